"""The commune's action plan ("rõ người, rõ việc"): tasks per criterion not yet met."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from communes import access
from criteria.models import Criterion
from inspections.forms import ActionItemForm
from inspections.models import ActionSource
from inspections.selectors import actions_of_commune, get_action
from inspections.services import ACTION_FIELDS, ActionRefused, action_create, action_update

from .selectors import latest_report, unmet_criteria


def _criteria_of(commune):
    report = latest_report(commune)
    if report is None:
        return Criterion.objects.none(), report
    return Criterion.objects.filter(criteria_set=report.criteria_set).order_by("number"), report


@login_required
def action_plan(request, code):
    version = request.GET.get("version", "")  # an older version of a reused code (a merged commune's plan)
    commune = access.get_unit_or_404(request.user, code, version=int(version) if version.isdigit() else None)
    criteria, report = _criteria_of(commune)
    departments = access.sector_departments(request.user, commune)  # a department reads its sector only
    can_edit = access.can(request.user, "action.edit", commune)
    may_verify = access.can(request.user, "action.verify", commune)
    form = ActionItemForm(criteria=criteria, may_verify=may_verify)
    if request.method == "POST":
        access.check(request.user, "action.edit", commune)
        form = ActionItemForm(request.POST, criteria=criteria, may_verify=may_verify)
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
    unmet = unmet_criteria(report, departments) if report else []
    return render(
        request,
        "reports/action_plan.html",
        {
            "commune": commune,
            "report": report,
            "actions": actions_of_commune(commune, departments=departments),
            "unmet": unmet,
            "form": form,
            "can_edit": can_edit,
            "today": timezone.localdate(),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def action_edit(request, pk):
    action = get_action(request.user, pk)
    access.check(request.user, "action.edit", action.commune)
    criteria, _report = _criteria_of(action.commune)
    options = {
        "instance": copy.copy(action),  # validating changes the form's instance: action_update writes `action`
        "criteria": criteria,
        "may_verify": access.may_verify_action(request.user, action),
        "due_date_locked": not access.may_set_due_date(request.user, action),
    }
    form = ActionItemForm(request.POST, **options) if request.method == "POST" else ActionItemForm(**options)
    if form.is_bound and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k in ACTION_FIELDS}
        try:
            action_update(action=action, user=request.user, **fields)
            messages.success(request, _("Đã cập nhật nhiệm vụ."))
            return redirect("reports:action_plan", code=action.commune.code)
        except ActionRefused as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
    return render(
        request, "reports/action_edit.html", {"action": action, "form": form}, status=400 if form.is_bound else 200
    )
