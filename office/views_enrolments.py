"""The office's enrolments page: the communes below it with their set, and a change previewed before
it is saved (office.enrolments)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from communes import access
from communes.models import Role
from core.errors import ApplicationError
from criteria.models import CriteriaSet

from . import enrolments
from .forms_enrolments import EnrolmentChangeForm, EnrolmentFilterForm

ROWS_PER_PAGE = 100  # a province has hundreds of communes: filter, or page through them


def _list_page(request, *, data, change_form=None, status=200):
    """The list for the filters in `data` (a GET, or the list's part of a refused POST)."""
    today = timezone.localdate().replace(day=1)
    criteria_sets = list(CriteriaSet.objects.order_by("-effective_from", "code"))
    data = data.copy()
    if not data.get("month"):
        data["month"] = f"{today:%m/%Y}"  # shown in the filter: the month the table is for
    filters = EnrolmentFilterForm(
        data,
        criteria_sets=criteria_sets,
        units=enrolments.office_filter_units(request.user, today),
        auto_id="filter_%s",
    )
    month, criteria_set, unit, query = filters.selection(today) if filters.is_valid() else (today, None, None, "")
    rows = enrolments.enrolment_rows(request.user, on_month=month, criteria_set=criteria_set, unit=unit, query=query)
    if change_form is None:
        change_form = EnrolmentChangeForm(initial={"starts_on": month})
    zones = enrolments.zones_by_set()
    filter_names = ("month", "criteria_set", "unit", "q")  # a refused POST: keep the list's filters only
    page_query = urlencode({name: data[name] for name in filter_names if data.get(name)})
    context = {
        "filters": filters,
        "month": month,
        "rows": rows,
        "page": Paginator(rows, ROWS_PER_PAGE).get_page(data.get("page")),
        "page_query": page_query,
        "form": change_form,
        "selected": _ticked(change_form),
        "set_zones": [(s, zones.get(s.pk, [])) for s in criteria_sets],
        "all_zones": sorted({z for names in zones.values() for z in names}),
    }
    return render(request, "office/enrolment_list.html", context, status=status)


@login_required
@require_GET
def enrolment_list(request):
    access.units_with_role_or_403(request.user, Role.OFFICE)
    return _list_page(request, data=request.GET)


@login_required
@require_POST
def enrolment_change(request):
    """POST "preview": what would change; "confirm": apply it. Invalid: the list again with the errors."""
    access.units_with_role_or_403(request.user, Role.OFFICE)
    form = EnrolmentChangeForm(request.POST)
    if form.is_valid():
        communes = enrolments.communes_or_404(request.user, form.cleaned_data["communes"])
        change = form.change()
        try:
            if "confirm" in request.POST:
                counts = enrolments.enrolment_change_apply(user=request.user, communes=communes, **change)
                messages.success(request, _summary(counts))
                month = change["starts_on"]
                return redirect(f"{reverse('office:enrolment_list')}?{urlencode({'month': f'{month:%m/%Y}'})}")
            lines = enrolments.enrolment_change_preview(user=request.user, communes=communes, **change)
            context = {"form": form, "lines": lines, "change": change, "refused": enrolments.REFUSED}
            context["can_confirm"] = all(line.kind != enrolments.REFUSED for line in lines)
            return render(request, "office/enrolment_preview.html", context)
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    return _list_page(request, data={"month": request.POST.get("month", "")}, change_form=form, status=400)


def _ticked(form):
    """The commune ids ticked in a refused POST (ticked again on the page), as integers."""
    values = form["communes"].value() if form.is_bound else None
    return {int(v) for v in values or [] if str(v).isdigit()}


def _summary(counts):
    return (
        _(
            "Đã lưu đăng ký: %(new)s xã đăng ký mới, %(move)s xã chuyển bộ, %(update)s xã đổi vùng hoặc năm phấn đấu, "
            "%(same)s xã không thay đổi."
        )
        % counts
    )
