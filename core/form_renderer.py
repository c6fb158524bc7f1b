"""Django's Jinja2 form renderer, with the most common widgets written out in Python.

A form of 41 sub-criteria renders about 210 widgets; through templates each costs a template call and a
context of its own (about a third of the report form's time). The widgets below are written here exactly
as Django's own templates write them (core/tests/test_form_renderer.py compares both on every kind of
value); every other template goes through Jinja2 as before.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import Jinja2
from django.utils.safestring import SafeString, mark_safe
from markupsafe import escape


def _attrs(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html: False is left out, True is a bare attribute."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"')
    return "".join(out)


def _input(widget: Mapping[str, Any]) -> str:
    value = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
    return f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _textarea(widget: Mapping[str, Any]) -> str:
    value = escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _option(option: Mapping[str, Any]) -> str:
    return f'<option value="{escape(option["value"])}"{_attrs(option["attrs"])}>{escape(option["label"])}</option>'


def _select(widget: Mapping[str, Any]) -> str:
    out = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{escape(group_name)}">')
        out.extend(f"\n  {_option(option)}" for option in options)
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _file(widget: Mapping[str, Any]) -> str | None:
    if widget.get("is_initial"):
        return None  # "Currently: …" with a clear box: left to the template
    return f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>'


WIDGETS = "django/forms/widgets/"
WRITTEN: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    **{
        f"{WIDGETS}{kind}.html": _input
        for kind in ("input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time")
    },
    f"{WIDGETS}textarea.html": _textarea,
    f"{WIDGETS}select.html": _select,
    f"{WIDGETS}clearable_file_input.html": _file,
    f"{WIDGETS}file.html": _file,
}


class FastWidgetsJinja2(Jinja2):
    def render(self, template_name: str, context: dict[str, Any], request=None) -> SafeString:
        write = WRITTEN.get(template_name)
        widget = context.get("widget")
        if write is not None and widget is not None and widget.get("template_name") == template_name:
            html = write(widget)
            if html is not None:
                return mark_safe(html)  # noqa: S308 - every value is escaped above
        return super().render(template_name, context, request)
