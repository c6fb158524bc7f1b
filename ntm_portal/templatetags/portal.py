from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from core.names import person_name

register = template.Library()


register.filter("person", person_name)


@register.simple_tag
def unit_url(view_name, unit, **params):
    """The address of a unit's page by its code (the unit, the commune's progress, its action plan), with
    `params` in its query and "version=<pk>" for a unit that has ended or been replaced: its code alone leads
    to the version in force today, which may be another unit (a reused code after a merger) outside the
    reader's reach."""
    url = reverse(view_name, args=[unit.code])
    if unit.valid_until or unit.replaced_by_id:
        params = {"version": unit.pk, **params}
    return f"{url}?{urlencode(params)}" if params else url


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""


MATRIX_SYMBOLS = {"met": "✓", "unmet": "✗", "none": "·"}


@register.simple_tag
def matrix_cell(kind, criterion, commune_url, commune_name, label):
    """One cell of the criteria matrix (hundreds per page: one tag call instead of a dozen lookups)."""
    return format_html(
        '<td class="text-center p-0"><a class="cell cell-{} d-block" href="{}{}criterion={}#tc-{}" '
        'title="{} · {}. {}: {}">{}</a></td>',
        kind,
        commune_url,
        "&" if "?" in commune_url else "?",
        criterion.number,
        criterion.number,
        commune_name,
        criterion.number,
        criterion.name,
        label,
        MATRIX_SYMBOLS[kind],
    )


@register.simple_tag
def state_badge(row):
    """A commune's reporting state for the period: symbol and words, readable without colour."""
    badge = format_html('<span class="state state-{}">{} {}</span>', row.state, row.state_symbol, row.state_label)
    if row.report is not None and row.report.is_late and row.state != "late":
        badge += format_html(' <span class="state state-late">{}</span>', "⏱")
    return badge


@register.simple_tag
def delta(value):
    """A change against the previous month: ▲ +2, ▼ -1, = 0, or — when there is nothing to compare."""
    if value is None:
        return format_html('<span class="text-muted">{}</span>', "—")
    if value > 0:
        return format_html('<span class="status-met">▲ +{}</span>', value)
    if value < 0:
        return format_html('<span class="status-unmet">▼ {}</span>', value)
    return format_html('<span class="text-muted">{}</span>', "= 0")


@register.simple_tag
def form_field(field, cols):
    """A field of the monthly report form: label, widget and errors (about 250 per form, so a tag
    rather than an included template)."""
    errors = format_html_join("", '<div class="invalid-feedback d-block">{}</div>', ((e,) for e in field.errors))
    return format_html(
        '<div class="{}{}">\n  <label class="form-label small mb-0" for="{}">{}</label>\n  {}\n  {}\n</div>',
        cols,
        " field-invalid" if field.errors else "",
        field.id_for_label,
        field.label,
        field.as_widget(),
        errors,
    )
