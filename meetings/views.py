"""Working sessions and their minutes: the office writes them, leaders and the commune download them."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from communes import access
from communes.models import Role
from communes.selectors import people_within
from core.uploads import open_or_404
from criteria.selectors import communes_enrolled_now
from inspections.models import Inspection
from inspections.selectors import actions_marked_readable

from . import selectors, services
from .forms import DirectiveForm, MeetingEditForm, MeetingForm, RemarkForm, ReopenForm
from .models import MinutesState


def _meeting(user, pk, action="meeting.view"):
    meeting = (
        selectors.meetings_visible_to(user)
        .select_related("commune", "issuing_unit", "chair", "secretary", "inspection")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404
    access.check(user, action, meeting.commune)
    return meeting


@login_required
@require_GET
def meeting_list(request):
    items = selectors.meetings_visible_to(request.user).select_related("commune", "issuing_unit")[:200]
    can_create = bool(access.units_with_role(request.user, Role.OFFICE))
    return render(request, "meetings/meeting_list.html", {"meetings": items, "can_create": can_create})


@login_required
def meeting_create(request):
    units = access.units_with_role_or_403(request.user, Role.OFFICE)
    communes = communes_enrolled_now(access.communes_visible_to(request.user)).order_by("name")
    options = {
        "communes": communes,
        "people": people_within(units),
        "inspections": Inspection.objects.filter(commune__in=communes).select_related("commune"),
    }
    if request.method == "POST":
        form = MeetingForm(request.POST, **options)
    else:
        form = MeetingForm(initial={"secretary": request.user, "commune": request.GET.get("commune")}, **options)
    if form.is_bound and form.is_valid():
        data = dict(form.cleaned_data)
        commune = data.pop("commune")
        access.check(request.user, "meeting.edit", commune)
        issuing_unit = next(u for u in units if commune.path.startswith(u.path))
        meeting = services.meeting_create(
            commune=commune,
            issuing_unit=issuing_unit,
            created_by=request.user,
            attendees=data.pop("attendees"),
            **data,
        )
        messages.success(request, _("Đã tạo buổi làm việc, biên bản số %(n)s.") % {"n": meeting.number_text})
        return redirect("meetings:meeting_detail", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_GET
def meeting_detail(request, pk):
    meeting = _meeting(request.user, pk)
    can_edit = access.can(request.user, "meeting.edit", meeting.commune)
    context = {
        "meeting": meeting,
        "can_edit": can_edit,
        "remarks": meeting.remarks.select_related("criterion"),
        "directives": meeting.directives.prefetch_related(
            Prefetch("action", queryset=actions_marked_readable(request.user))
        ),
    }
    if can_edit:
        context.update(
            edit_form=MeetingEditForm(instance=meeting, people=people_within([meeting.issuing_unit])),
            remark_form=RemarkForm(criteria=services.meeting_criteria(meeting)),
            directive_form=DirectiveForm(),
            reopen_form=ReopenForm(),
        )
    return render(request, "meetings/meeting_detail.html", context)


@login_required
@require_GET
def meeting_pdf_status(request, pk):
    """htmx: the PDF's state; the fragment keeps polling until the PDF is ready or failed."""
    meeting = _meeting(request.user, pk)
    can_edit = access.can(request.user, "meeting.edit", meeting.commune)
    return render(request, "meetings/_pdf_status.html", {"meeting": meeting, "can_edit": can_edit})


@login_required
@require_GET
def meeting_pdf(request, pk):
    meeting = _meeting(request.user, pk)
    if meeting.pdf_state != MinutesState.READY or not meeting.pdf:
        raise Http404
    # A ready PDF is of the current version, so it is a draft exactly when the meeting is not final.
    draft = "" if meeting.is_final else "-du-thao"
    filename = f"bien-ban-{meeting.number}-{meeting.year}-{meeting.commune.code}{draft}.pdf"
    return FileResponse(open_or_404(meeting.pdf), as_attachment=True, filename=filename, content_type="application/pdf")


def _edit_action(request, pk, handler, success):
    meeting = _meeting(request.user, pk, "meeting.edit")
    try:
        if handler(meeting):
            messages.success(request, success)
    except services.MeetingError as error:
        messages.error(request, str(error))
    return redirect("meetings:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
def meeting_edit(request, pk):
    def handle(meeting):
        # validating changes the form's instance: meeting_update writes `meeting`
        form = MeetingEditForm(request.POST, instance=copy.copy(meeting), people=people_within([meeting.issuing_unit]))
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
            return False
        data = dict(form.cleaned_data)
        services.meeting_update(meeting=meeting, attendees=data.pop("attendees"), **data)
        return True

    return _edit_action(request, pk, handle, _("Đã lưu; biên bản PDF đang được tạo lại."))


@login_required
@require_POST
def remark_add(request, pk):
    def handle(meeting):
        form = RemarkForm(request.POST, criteria=services.meeting_criteria(meeting))
        if not form.is_valid():
            messages.error(request, _("Cần ghi người phát biểu và nội dung."))
            return False
        services.remark_add(meeting=meeting, **form.cleaned_data)
        return True

    return _edit_action(request, pk, handle, _("Đã thêm ý kiến phát biểu."))


@login_required
@require_POST
def directive_add(request, pk):
    def handle(meeting):
        form = DirectiveForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
            return False
        services.directive_add(meeting=meeting, created_by=request.user, **form.cleaned_data)
        return True

    return _edit_action(
        request, pk, handle, _("Đã thêm nhiệm vụ; nhiệm vụ có thời hạn được đưa vào danh sách theo dõi.")
    )


@login_required
@require_POST
def meeting_finalise(request, pk):
    return _edit_action(
        request, pk, lambda m: services.meeting_finalise(meeting=m, user=request.user), _("Đã hoàn tất biên bản.")
    )


@login_required
@require_POST
def meeting_reopen(request, pk):
    def handle(meeting):
        form = ReopenForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.meeting_reopen(meeting=meeting, user=request.user, reason=reason)
        return True

    return _edit_action(request, pk, handle, _("Đã mở lại biên bản để chỉnh sửa."))


@login_required
@require_POST
def meeting_render(request, pk):
    """Try rendering again (after a failure)."""

    def handle(meeting):
        services.minutes_retry(meeting)
        return True

    return _edit_action(request, pk, handle, _("Đang tạo lại biên bản PDF."))
