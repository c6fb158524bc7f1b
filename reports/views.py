from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from communes import access
from communes.models import Role
from core import page_cache
from core.uploads import CONTENT_TYPES, open_or_404

from . import history, selectors, services, spreadsheet
from .forms import DeadlineForm, ReasonForm, ReportForm, ReviewForm, SpreadsheetUploadForm
from .models import EvidenceFile, ReportingPeriod


@login_required
@require_GET
def report_list(request):
    period = selectors.period_from_query(request.GET, default=selectors.period_for_reader(request.user))
    rows = selectors.period_overview(request.user, period)
    editable_communes = [c for c, _r in rows if access.can(request.user, "report.edit", c)]
    deadlines = selectors.deadlines_for([c for c, _r in rows], period)
    for commune, report in rows:
        commune.deadline = deadlines[commune.pk]  # for the page
        if report is not None:
            report.deadline = deadlines[commune.pk]
    shared = set(deadlines.values())
    return render(
        request,
        "reports/report_list.html",
        {
            "period": period,
            "rows": rows,
            # One deadline for all the communes listed: said once; else each row shows its commune's.
            "deadline_text": period.deadline_text(deadline=shared.pop()) if len(shared) == 1 else None,
            "periods": selectors.picker_periods(period),
            "editable_communes": editable_communes,
            "history": {c.pk: selectors.reports_of_commune(c)[:12] for c in editable_communes},
        },
    )


@login_required
@require_POST
def report_open(request, code, year, month):
    commune = access.get_unit_or_404(request.user, code, "report.edit")
    period = get_object_or_404(ReportingPeriod, year=year, month=month)
    try:
        report = services.report_open(commune=commune, period=period)
    except services.ReportError as error:
        messages.error(request, str(error))
        return redirect("reports:report_list")
    return redirect("reports:report_detail", pk=report.pk)


def _form_page(report, form, conflict=None):
    """(template, context) of the report form page, for page_cache."""
    summary, met_by_status = form.preview()
    return "reports/report_form.html", {
        "report": report,
        "form": form,
        "summary": summary,
        "met_by_status": met_by_status,
        "conflict": conflict,
        "events": report.events.select_related("actor"),
        "deadline_text": report.deadline_text(),
        "zone_unmatched": selectors.zone_unmatched(form.statuses),
        "reason": history.reason_with_links(report.review_comment, {c.number for c, _rows in form.groups}),
    }


def _gets_the_form(user, pk):
    report = selectors.get_report(user, pk)
    return report.is_editable and access.can(user, "report.edit", report.commune)


def _report_and_form(user, pk):
    report = selectors.get_report(user, pk)
    return report, ReportForm(report=report, statuses=selectors.report_statuses(report))


def _posted_form_page(request, report, form, status, conflict=None):
    """The form page as posted, with its errors or a conflict (never kept)."""
    parts = page_cache.render_parts(request, *_form_page(report, form, conflict))
    return page_cache.render_page(request, parts, status=status)


@login_required
@require_GET
def report_detail(request, pk):
    # The form for whoever may edit the report now, kept rendered under the data version like the dashboards
    # (a save changes it at once); the answer to "does this reader get the form" is kept the same way.
    gets_the_form = page_cache.per_reader(
        f"report-form:{pk}", request, lambda: _gets_the_form(request.user, pk), reads_activity=True
    )
    if gets_the_form:
        return page_cache.cached_page(request, lambda: _form_page(*_report_and_form(request.user, pk)))
    report = selectors.get_report(request.user, pk)
    departments = access.sector_departments(request.user, report.commune)
    statuses = selectors.report_statuses(report, departments)
    notes = history.review_notes(report, statuses)
    return render(
        request,
        "reports/report_detail.html",
        {
            "disputed": {indicator for _c, indicator in selectors.disputed_pairs([report])},
            "report": report,
            "statuses": statuses,
            "notes": notes,
            "reason": notes.reason,
            "zone_unmatched": selectors.zone_unmatched(statuses),
            "departments": departments,
            "events": report.events.select_related("actor"),
            "can_review": access.can(request.user, "report.review", report.commune),
            "review_form": ReviewForm(),
            "reason_form": ReasonForm(),
            "deadline_text": report.deadline_text(),
        },
    )


@login_required
@require_POST
def report_edit(request, pk):
    report = selectors.get_report(request.user, pk, "report.edit")
    if not report.is_editable:
        messages.error(request, _("Báo cáo đã nộp, không thể sửa (chỉ sửa được khi bị trả lại)."))
        return redirect("reports:report_detail", pk=report.pk)
    submitting = "submit" in request.POST
    statuses = selectors.report_statuses(report)
    form = ReportForm(request.POST, request.FILES, report=report, statuses=statuses, submitting=submitting)
    if not form.is_valid():
        messages.error(request, _("Chưa lưu được: hãy sửa các ô được đánh dấu đỏ bên dưới."))
        return _posted_form_page(request, report, form, 400)
    try:
        services.report_save(
            report=report,
            user=request.user,
            answers=form.answers(),
            expected_version=form.cleaned_data["version"],
            evidence=form.evidence(),
            statuses=statuses,
        )
        if submitting:
            report = services.report_submit(report=report, user=request.user, statuses=statuses)
    except services.ReportConflict as conflict:
        return _posted_form_page(request, report, form, 409, conflict=str(conflict))
    except services.ReportError as error:
        messages.error(request, str(error))
        return redirect("reports:report_detail", pk=report.pk)
    if submitting:
        late = _(" Báo cáo nộp sau hạn nên được đánh dấu nộp trễ.") if report.is_late else ""
        messages.success(request, _("Đã nộp báo cáo: %(line)s.") % {"line": report.summary_line} + late)
    else:
        messages.success(request, _("Đã lưu nháp lúc %(time)s.") % {"time": timezone.localtime().strftime("%H:%M")})
    return redirect("reports:report_detail", pk=report.pk)


@login_required
@require_POST
def report_preview(request, pk):
    """htmx: the summary line for what is typed now, without saving."""
    report = selectors.get_report(request.user, pk, "report.edit")
    form = ReportForm(request.POST, report=report, statuses=selectors.report_statuses(report))
    form.is_valid()
    summary, _met = form.preview()
    return render(request, "reports/partials/_summary.html", {"summary": summary, "report": report})


@login_required
@require_POST
def report_review(request, pk):
    report = selectors.get_report(request.user, pk, "report.review")
    form = ReviewForm(request.POST)
    decision = request.POST.get("decision")
    if not form.is_valid() or decision not in ("accept", "return"):
        messages.error(request, _("Yêu cầu không hợp lệ."))
        return redirect("reports:report_detail", pk=report.pk)
    comment = form.cleaned_data["comment"]
    try:
        if decision == "accept":
            services.report_accept(report=report, user=request.user, comment=comment)
            messages.success(request, _("Đã duyệt báo cáo."))
        else:
            services.report_return(report=report, user=request.user, reason=comment)
            messages.success(request, _("Đã trả lại báo cáo cho xã."))
    except services.ReportError as error:
        messages.error(request, str(error))
    return redirect("reports:report_detail", pk=report.pk)


@login_required
@require_POST
def report_reopen(request, pk):
    report = selectors.get_report(request.user, pk, "report.review")
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ReportError(_("Cần ghi lý do mở lại báo cáo đã duyệt."))
        services.report_reopen(report=report, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Đã mở lại báo cáo để xã chỉnh sửa."))
    except services.ReportError as error:
        messages.error(request, str(error))
    return redirect("reports:report_detail", pk=report.pk)


@login_required
@require_GET
def report_history(request, pk):
    report = selectors.get_report(request.user, pk)
    departments = access.sector_departments(request.user, report.commune)
    indicators = {s.indicator.code: s.indicator for s in selectors.report_statuses(report, departments)}
    changes = selectors.report_changes(report, departments)
    return render(
        request,
        "reports/report_history.html",
        {"report": report, "lines": history.history_in_words(changes, indicators, str(report.period))},
    )


@login_required
@require_GET
def evidence_download(request, pk):
    evidence = get_object_or_404(
        access.scope_by_unit(
            EvidenceFile.objects.select_related("status__report__commune", "status__indicator__criterion"),
            request.user,
            unit_field="status__report__commune",
        ),
        pk=pk,
    )
    departments = access.sector_departments(request.user, evidence.status.report.commune)
    if departments is not None and evidence.status.indicator.department not in departments:
        raise Http404  # a department sees the evidence of its own sub-criteria only
    return FileResponse(
        open_or_404(evidence.file),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=CONTENT_TYPES.get(evidence.kind, "application/octet-stream"),
    )


@login_required
@require_GET
def report_xlsx(request, pk):
    report = selectors.get_report(request.user, pk)
    departments = access.sector_departments(request.user, report.commune)
    content = spreadsheet.report_workbook(report, selectors.report_statuses(report, departments))
    response = HttpResponse(content, content_type=CONTENT_TYPES["xlsx"])
    filename = f"bao-cao-{report.commune.code}-{report.period.year}-{report.period.month:02d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def report_xlsx_upload(request, pk):
    report = selectors.get_report(request.user, pk, "report.edit")
    form = SpreadsheetUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Hãy chọn tệp Excel (XLSX) đã điền."))
        return redirect("reports:report_detail", pk=report.pk)
    try:
        count = spreadsheet.report_import(report=report, user=request.user, upload=form.cleaned_data["file"])
    except spreadsheet.SpreadsheetError as error:
        return render(
            request, "reports/report_xlsx_errors.html", {"report": report, "errors": error.errors}, status=400
        )
    except services.ReportError as error:
        messages.error(request, str(error))
        return redirect("reports:report_detail", pk=report.pk)
    messages.success(request, _("Đã nhập %(n)s dòng từ tệp Excel vào bản nháp.") % {"n": count})
    return redirect("reports:report_detail", pk=report.pk)


# --- Periods (coordination office) -----------------------------------------------------------


@login_required
def period_list(request):
    access.units_with_role_or_403(request.user, Role.OFFICE)
    if request.method == "POST":
        created = services.periods_ensure_ahead(months_ahead=2)
        messages.success(
            request, _("Đã có %(n)s kỳ báo cáo tới tháng %(last)s.") % {"n": len(created), "last": created[-1]}
        )
        return redirect("reports:period_list")
    periods = list(selectors.recent_periods(36))
    units = access.deadline_units(request.user)
    applying = selectors.applying_deadline_rows(units, periods)
    return render(
        request,
        "reports/period_list.html",
        {
            "rows": [(p, [(u, applying[p.pk, u.pk]) for u in units]) for p in periods],
            "changes": selectors.deadline_changes(request.user, periods),
        },
    )


@login_required
def period_deadline(request, pk, code):
    """Set or move the deadline of the communes of the office's unit `code` in the period."""
    unit = access.deadline_unit_or_404(request.user, code)
    period = get_object_or_404(ReportingPeriod, pk=pk)
    form = DeadlineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.period_deadline_set(
                period=period,
                unit=unit,
                deadline=form.deadline(),
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request, _("Đã đặt hạn nộp kỳ %(period)s cho %(unit)s.") % {"period": period, "unit": unit.name}
            )
            return redirect("reports:period_list")
        except services.ReportError as error:
            form.add_error(None, str(error))
    context = {"period": period, "unit": unit, "form": form, "current": selectors.deadline_for(unit, period)}
    return render(request, "reports/period_deadline.html", context, status=400 if form.errors else 200)
