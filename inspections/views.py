"""Field pages of the inspection team: small, one form each, usable one-handed on a phone."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from communes import access
from communes.models import Role
from core.errors import ApplicationError
from core.uploads import CONTENT_TYPES, open_or_404
from criteria.models import Indicator
from criteria.selectors import communes_enrolled_now, enrolments_for

from . import selectors, services
from .export import inspections_workbook
from .forms import ActionAnswerForm, FindingForm, FollowUpForm, InspectionForm, PhotoForm, ResolveForm, SiteVisitForm
from .models import Finding, InspectionStatus, Photo, SiteVisit


def _inspectable_communes(user):
    """Enrolled communes in which the user may log inspections (inspector or office above them)."""
    communes = communes_enrolled_now(access.communes_visible_to(user)).order_by("name")
    return access.scope_by_action(communes, user, "inspection.edit", unit_field="")


def _team_people(user):
    paths = [m.unit.path for m in access.memberships_of(user) if m.role in (Role.INSPECTOR, Role.OFFICE)]
    people = get_user_model().objects.filter(
        is_active=True, memberships__role__in=[Role.INSPECTOR, Role.OFFICE, Role.DEPARTMENT, Role.LEADER]
    )
    return people.filter(memberships__unit__path__in=paths).distinct().order_by("last_name", "first_name")


@login_required
@require_GET
def inspection_list(request):
    inspections = selectors.inspections_visible_to(request.user).select_related("commune", "leader")
    code = request.GET.get("commune", "")
    if code:
        inspections = inspections.filter(commune__code=code)
    if request.GET.get("format") == "xlsx":
        content = inspections_workbook(selectors.inspections_for_export(inspections, request.user))
        response = HttpResponse(content, content_type=CONTENT_TYPES["xlsx"])
        response["Content-Disposition"] = 'attachment; filename="dot-kiem-tra.xlsx"'
        return response
    return render(
        request,
        "inspections/inspection_list.html",
        {"inspections": inspections[:200], "can_create": _inspectable_communes(request.user).exists(), "code": code},
    )


@login_required
def inspection_create(request):
    communes = _inspectable_communes(request.user)
    if not communes.exists():
        raise PermissionDenied
    people = _team_people(request.user)
    if request.method == "POST":
        form = InspectionForm(request.POST, communes=communes, people=people)
    else:
        initial = {"date": timezone.localdate(), "leader": request.user, "commune": request.GET.get("commune")}
        form = InspectionForm(communes=communes, people=people, initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        access.check(request.user, "inspection.edit", data["commune"])
        inspection = services.inspection_create(
            commune=data["commune"],
            date=data["date"],
            team_name=data["team_name"],
            leader=data["leader"],
            members=data["members"],
            purpose=data["purpose"],
            created_by=request.user,
        )
        messages.success(request, _("Đã tạo đợt kiểm tra. Thêm địa điểm kiểm tra bên dưới."))
        return redirect("inspections:inspection_detail", pk=inspection.pk)
    return render(request, "inspections/inspection_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def inspection_detail(request, pk):
    inspection = selectors.get_inspection(request.user, pk)
    can_edit = access.can(request.user, "inspection.edit", inspection.commune)
    if request.method == "POST":
        access.check(request.user, "inspection.edit", inspection.commune)
        status = request.POST.get("status")
        if status in InspectionStatus.values:
            services.inspection_set_status(inspection=inspection, status=status)
            messages.success(request, _("Đã cập nhật trạng thái đợt kiểm tra."))
        return redirect("inspections:inspection_detail", pk=inspection.pk)
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "inspection": inspection,
            "visits": selectors.inspection_detail(inspection, request.user),
            "can_edit": can_edit,
            "statuses": InspectionStatus.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
def visit_create(request, pk):
    inspection = selectors.get_inspection(request.user, pk, "inspection.edit")
    form = SiteVisitForm(request.POST) if request.method == "POST" else SiteVisitForm()
    if form.is_bound and form.is_valid():
        visit = services.visit_add(inspection=inspection, **form.cleaned_data)
        messages.success(request, _("Đã thêm địa điểm. Ghi kết quả kiểm tra cho địa điểm này."))
        return redirect("inspections:finding_create", pk=visit.pk)
    return render(
        request,
        "inspections/visit_form.html",
        {"inspection": inspection, "form": form},
        status=400 if form.errors else 200,
    )


def _indicators_for(commune):
    enrolment = enrolments_for([commune]).get(commune.pk)
    if enrolment is None:
        return Indicator.objects.none()
    return enrolment.criteria_set.indicators.select_related("criterion").order_by("criterion__number", "position")


@login_required
def finding_create(request, pk):
    visit = selectors.get_in_inspection_scope(
        request.user, SiteVisit.objects.select_related("inspection__commune"), pk, "inspection.edit"
    )
    commune = visit.inspection.commune
    if request.method == "POST":
        form = FindingForm(request.POST, request.FILES, indicators=_indicators_for(commune))
    else:
        form = FindingForm(indicators=_indicators_for(commune))
    if form.is_bound:
        finding = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                finding = services.finding_add(
                    visit=visit,
                    indicator=data["indicator"],
                    assessment=data["assessment"],
                    shortcoming=data["shortcoming"],
                    recommendation=data["recommendation"],
                    photos=data["photos"],
                    user=request.user,
                )
            except ApplicationError as error:  # a photo that passes the checks but cannot be decoded
                form.add_error("photos", str(error))
        if finding is not None:
            messages.success(request, _("Đã ghi kết quả kiểm tra %(code)s.") % {"code": finding.indicator.code})
            if "another" in request.POST:
                return redirect("inspections:finding_create", pk=visit.pk)
            return redirect("inspections:finding_detail", pk=finding.pk)
        if form.has_error("photos"):
            messages.error(request, _("Ảnh chưa hợp lệ, chưa lưu gì. Nội dung bạn gõ vẫn còn; hãy chọn lại ảnh."))
    return render(
        request, "inspections/finding_form.html", {"visit": visit, "form": form}, status=400 if form.errors else 200
    )


def _finding(user, pk, action="unit.view"):
    return selectors.get_in_inspection_scope(
        user,
        Finding.objects.select_related("visit__inspection__commune", "indicator__criterion"),
        pk,
        action,
        path="visit__inspection__commune",
        indicator="indicator",
    )


def _commune_officials(commune):
    return (
        get_user_model()
        .objects.filter(memberships__unit=commune, memberships__role=Role.COMMUNE_OFFICIAL, is_active=True)
        .order_by("last_name")
    )


def _finding_page(request, finding, photo_form=None, status=200):
    commune = finding.visit.inspection.commune
    return render(
        request,
        "inspections/finding_detail.html",
        {
            "finding": finding,
            "commune": commune,
            "photos": finding.photos.all(),
            "actions": selectors.actions_marked_readable(request.user).filter(finding=finding),
            "can_edit": access.can(request.user, "inspection.edit", commune),
            "can_resolve": access.can(request.user, "report.review", commune),
            "follow_up_form": FollowUpForm(owners=_commune_officials(commune)),
            "photo_form": photo_form or PhotoForm(),
            "resolve_form": ResolveForm(),
        },
        status=status,
    )


@login_required
@require_GET
def finding_detail(request, pk):
    return _finding_page(request, _finding(request.user, pk))


@login_required
@require_POST
def photo_add(request, pk):
    finding = _finding(request.user, pk, "inspection.edit")
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():  # every photo was checked, decoding included: nothing is stored yet
        messages.error(request, _("Ảnh chưa hợp lệ, chưa lưu ảnh nào; hãy chọn lại ảnh."))
        return _finding_page(request, finding, photo_form=form, status=400)
    if not form.cleaned_data["photos"]:
        messages.error(request, _("Hãy chọn ít nhất một ảnh."))
        return redirect("inspections:finding_detail", pk=finding.pk)
    with transaction.atomic():
        for upload in form.cleaned_data["photos"]:
            services.photo_add(finding=finding, upload=upload, user=request.user)
    messages.success(request, _("Đã thêm ảnh."))
    return redirect("inspections:finding_detail", pk=finding.pk)


@login_required
@require_GET
def photo_file(request, pk, variant):
    if variant not in ("display", "original"):
        raise Http404
    photo = selectors.get_in_inspection_scope(
        request.user,
        Photo.objects.select_related("finding__visit__inspection__commune"),
        pk,
        path="finding__visit__inspection__commune",
        indicator="finding__indicator",
    )
    stored = photo.display if variant == "display" else photo.original
    handle = open_or_404(stored)
    content_type = "image/jpeg" if variant == "display" else CONTENT_TYPES.get(photo.kind, "image/jpeg")
    response = FileResponse(handle, content_type=content_type)
    if variant != "display":
        response["Content-Disposition"] = f'attachment; filename="{photo.pk}{photo.extension}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def follow_up_create(request, pk):
    finding = _finding(request.user, pk, "inspection.edit")
    commune = finding.visit.inspection.commune
    form = FollowUpForm(request.POST, owners=_commune_officials(commune))
    if form.is_valid():
        services.action_from_finding(finding=finding, created_by=request.user, **form.cleaned_data)
        messages.success(request, _("Đã giao nhiệm vụ khắc phục."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("inspections:finding_detail", pk=finding.pk)


@login_required
@require_POST
def finding_resolve(request, pk):
    finding = _finding(request.user, pk, "report.review")
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Cần ghi kết quả xử lý."))
        return redirect("inspections:finding_detail", pk=finding.pk)
    try:
        services.finding_resolve(finding=finding, user=request.user, resolution=form.cleaned_data["resolution"])
        messages.success(request, _("Đã ghi nhận xử lý; tiểu tiêu chí không còn bị đánh dấu."))
    except ApplicationError as error:
        messages.error(request, str(error))
    return redirect("inspections:finding_detail", pk=finding.pk)


@login_required
def action_detail(request, pk):
    action = selectors.get_action(request.user, pk)
    can_answer = access.may_answer_action(request.user, action)
    can_verify = access.may_verify_action(request.user, action)
    if request.method == "POST":
        form = ActionAnswerForm(request.POST, request.FILES)
    else:
        form = ActionAnswerForm(initial={"status": action.status})
    if form.is_bound:
        if "verify" in request.POST:
            try:
                services.action_verify(action=action, user=request.user)  # PermissionDenied: 403
                messages.success(request, _("Đã xác nhận nhiệm vụ hoàn thành."))
            except ApplicationError as error:
                messages.error(request, str(error))
            return redirect("inspections:action_detail", pk=action.pk)
        if not can_answer:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.action_answer(action=action, user=request.user, **form.cleaned_data)
                messages.success(request, _("Đã cập nhật tiến độ nhiệm vụ."))
                return redirect("inspections:action_detail", pk=action.pk)
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
    return render(
        request,
        "inspections/action_detail.html",
        {
            "action": action,
            "form": form,
            "can_answer": can_answer,
            "can_verify": can_verify,
            "today": timezone.localdate(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def action_evidence(request, pk):
    action = selectors.get_action(request.user, pk)
    if not action.evidence:
        raise Http404
    return FileResponse(
        open_or_404(action.evidence),
        as_attachment=True,
        filename=f"minh-chung-{action.pk}.{action.evidence.name.rsplit('.', 1)[-1]}",
    )
