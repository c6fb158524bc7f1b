"""The commune's action plan ("rõ người, rõ việc"): tasks per criterion not yet met."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from communes import access
from criteria.models import Criterion
from inspections.forms import ActionItemForm
from inspections.models import ActionSource
from inspections.selectors import actions_of_commune, actions_visible_to
from inspections.services import ACTION_FIELDS, action_create, action_update

from .selectors import latest_report, unmet_criteria


def _criteria_of(commune):
    report = latest_report(commune)
    if report is None:
        return Criterion.objects.none(), report
    return Criterion.objects.filter(criteria_set=report.criteria_set).order_by("number"), report


@login_required
def action_plan(request, code):
    commune = access.get_unit_or_404(request.user, code)
    criteria, report = _criteria_of(commune)
    can_edit = access.can(request.user, "action.edit", commune)
    form = ActionItemForm(criteria=criteria)
    if request.method == "POST":
        access.check(request.user, "action.edit", commune)
        form = ActionItemForm(request.POST, criteria=criteria)
        if form.is_valid():
            action_create(
                commune=commune,
                created_by=request.user,
                source=ActionSource.PLAN,
                **{k: v for k, v in form.cleaned_data.items() if k in ACTION_FIELDS},
            )
            messages.success(request, _("Đã thêm nhiệm vụ vào kế hoạch."))
            return redirect("reports:action_plan", code=commune.code)
        messages.error(request, _("Chưa thêm được nhiệm vụ: hãy sửa các ô được đánh dấu đỏ."))
    return render(
        request,
        "reports/action_plan.html",
        {
            "commune": commune,
            "report": report,
            "actions": actions_of_commune(commune),
            "unmet": unmet_criteria(report) if report else [],
            "form": form,
            "can_edit": can_edit,
            "today": timezone.localdate(),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def action_edit(request, pk):
    action = actions_visible_to(request.user).select_related("commune").filter(pk=pk).first()
    if action is None:
        raise Http404
    access.check(request.user, "action.edit", action.commune)
    criteria, _report = _criteria_of(action.commune)
    form = ActionItemForm(request.POST or None, instance=action, criteria=criteria)
    if request.method == "POST":
        original = type(action).objects.get(pk=action.pk)
        if form.is_valid():
            action_update(action=original, **{k: v for k, v in form.cleaned_data.items() if k in ACTION_FIELDS})
            messages.success(request, _("Đã cập nhật nhiệm vụ."))
            return redirect("reports:action_plan", code=action.commune.code)
    return render(
        request, "reports/action_edit.html", {"action": action, "form": form}, status=400 if form.is_bound else 200
    )
