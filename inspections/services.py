from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communes import access
from core.db import model_update
from core.errors import ApplicationError
from core.uploads import EVIDENCE_KINDS, EXTENSIONS, PHOTO_KINDS, validate_upload
from notifications.services import notify

from .models import ActionItem, ActionSource, ActionStatus, Finding, Inspection, Photo, SiteVisit
from .photos import process_photo

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files import File

    from communes.models import AdministrativeUnit
    from criteria.models import Indicator

ACTION_FIELDS = (
    "criterion",
    "indicator",
    "finding",
    "title",
    "owner_user",
    "owner_name",
    "owner_position",
    "owner_department",
    "due_date",
    "status",
    "completion_note",
)


class ActionRefused(ApplicationError):
    """A change to a task that the user's role may not make; `field` is the form field it concerns."""


def _verification_refused() -> ActionRefused:
    return ActionRefused(
        _("Chỉ đoàn kiểm tra hoặc Văn phòng Điều phối mới xác nhận được nhiệm vụ đã hoàn thành."), field="status"
    )


def _check_action_change(
    *, action: ActionItem, user: User, changes: Mapping[str, Any], evidence: bool = False
) -> None:
    """Refuse (ActionRefused) what `user` may not change of `action`: the rules of communes.access."""
    status = changes.get("status", action.status)
    if "status" in changes and not access.may_verify_action(user, action):
        if status == ActionStatus.VERIFIED:
            raise _verification_refused()
        if action.status == ActionStatus.VERIFIED:
            raise ActionRefused(
                _("Nhiệm vụ đã được xác nhận; chỉ đoàn kiểm tra hoặc Văn phòng Điều phối mới thay đổi được."),
                field="status",
            )
    if "due_date" in changes and not access.may_set_due_date(user, action):
        raise ActionRefused(
            _("Hạn hoàn thành do đoàn kiểm tra hoặc Văn phòng Điều phối đặt; xã không thay đổi được."), field="due_date"
        )
    note = changes.get("completion_note", action.completion_note)
    if "status" in changes and status == ActionStatus.DONE and not (note.strip() or evidence or action.evidence):
        raise ActionRefused(_("Khi báo hoàn thành, cần ghi kết quả hoặc đính kèm minh chứng."), field="completion_note")


def _verification(*, action: ActionItem, user: User, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The fields recording who verified the task, set when it becomes verified and cleared when it stops."""
    if changes.get("status") == ActionStatus.VERIFIED:
        return {"verified_by": user, "verified_at": timezone.now()}
    if "status" in changes and action.status == ActionStatus.VERIFIED:
        return {"verified_by": None, "verified_at": None}
    return {}


def action_create(*, commune: AdministrativeUnit, created_by: User, source: str, **fields: Any) -> ActionItem:
    unknown = set(fields) - set(ACTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {unknown}")
    if fields.get("status") == ActionStatus.VERIFIED:
        if not access.can(created_by, "action.verify", commune):
            raise _verification_refused()
        fields |= {"verified_by": created_by, "verified_at": timezone.now()}
    action = ActionItem.objects.create(commune=commune, created_by=created_by, source=source, **fields)
    _tell_the_owner(action, by=created_by)
    return action


def _tell_the_owner(action: ActionItem, *, by: User) -> None:
    """A task given to a named account (not by that person) reaches their inbox, and their mail."""
    owner = action.owner_user
    if owner is None or owner.pk == by.pk:
        return
    notify(
        users=[owner],
        kind="action_assigned",
        params={"commune": action.commune.name, "title": action.title, "due_date": action.due_date.isoformat()},
        url=reverse("inspections:action_detail", args=[action.pk]),
    )


def action_update(*, action: ActionItem, user: User, **fields: Any) -> ActionItem:
    """Change an action's fields as `user`; only the changed ones are written (and recorded in its history).

    A user who may not edit the commune's tasks gets PermissionDenied; a change their role may not make
    (verify, undo a verification, move a due date set from above, report done without a result) is
    refused with ActionRefused and nothing is written.
    """
    if not access.can(user, "action.edit", action.commune):
        raise PermissionDenied
    changes = {
        name: value for name, value in fields.items() if name in ACTION_FIELDS and getattr(action, name) != value
    }
    _check_action_change(action=action, user=user, changes=changes)
    changes |= _verification(action=action, user=user, changes=changes)
    action, _updated = model_update(instance=action, fields=list(changes), data=changes)
    if "owner_user" in changes:
        _tell_the_owner(action, by=user)
    return action


def action_verify(*, action: ActionItem, user: User) -> ActionItem:
    if not access.may_verify_action(user, action):
        raise PermissionDenied
    if action.status != ActionStatus.DONE:
        raise ApplicationError(_("Chỉ xác nhận được nhiệm vụ đã hoàn thành."))
    return action_update(action=action, user=user, status=ActionStatus.VERIFIED)


# --- Inspections in the field ---------------------------------------------------------------


def inspection_create(
    *,
    commune: AdministrativeUnit,
    date: datetime.date,
    team_name: str,
    leader: User,
    members: Iterable[User] = (),
    purpose: str = "",
    created_by: User,
) -> Inspection:
    with transaction.atomic():
        inspection = Inspection.objects.create(
            commune=commune, date=date, team_name=team_name, leader=leader, purpose=purpose, created_by=created_by
        )
        inspection.members.set(members)
    return inspection


def inspection_set_status(*, inspection: Inspection, status: str) -> Inspection:
    inspection, _updated = model_update(instance=inspection, fields=["status"], data={"status": status})
    return inspection


def visit_add(
    *,
    inspection: Inspection,
    site_type: str,
    name: str,
    village: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> SiteVisit:
    return SiteVisit.objects.create(
        inspection=inspection,
        site_type=site_type,
        name=name,
        village=village,
        latitude=latitude,
        longitude=longitude,
    )


def photo_add(*, finding: Finding, upload: File, user: User) -> Photo:
    """Store a validated photo privately, with a resized copy for display and its EXIF time and place."""
    kind = validate_upload(upload, kinds=PHOTO_KINDS, max_bytes=settings.PHOTO_MAX_BYTES)
    info = process_photo(upload)
    photo = Photo(
        finding=finding,
        original_name=(upload.name or "")[:255],
        kind=kind,
        size=upload.size,
        width=info.width,
        height=info.height,
        taken_at=info.taken_at,
        latitude=info.latitude,
        longitude=info.longitude,
        uploaded_by=user,
    )
    photo.original.save("photo", upload, save=False)
    photo.display.save("display.jpg", ContentFile(info.display), save=False)
    photo.save()
    return photo


def finding_add(
    *,
    visit: SiteVisit,
    indicator: Indicator,
    assessment: str,
    shortcoming: str = "",
    recommendation: str = "",
    photos: Sequence[File] = (),
    user: User,
) -> Finding:
    """A finding and its photos, all or nothing (a bad photo leaves no half-saved finding)."""
    for upload in photos:  # refuse before anything is written (a photo that cannot be decoded raises ApplicationError)
        validate_upload(upload, kinds=PHOTO_KINDS, max_bytes=settings.PHOTO_MAX_BYTES)
        process_photo(upload)
    with transaction.atomic():
        finding = Finding.objects.create(
            visit=visit,
            indicator=indicator,
            assessment=assessment,
            shortcoming=shortcoming,
            recommendation=recommendation,
            created_by=user,
        )
        for upload in photos:
            photo_add(finding=finding, upload=upload, user=user)
    return finding


def finding_resolve(*, finding: Finding, user: User, resolution: str) -> Finding:
    if not resolution.strip():
        raise ApplicationError(_("Cần ghi kết quả xử lý."), field="resolution")
    data = {"resolved_at": timezone.now(), "resolved_by": user, "resolution": resolution.strip()}
    finding, _updated = model_update(instance=finding, fields=list(data), data=data)
    return finding


def action_from_finding(*, finding: Finding, created_by: User, **fields: Any) -> ActionItem:
    commune = finding.visit.inspection.commune
    return action_create(
        commune=commune,
        created_by=created_by,
        source=ActionSource.FINDING,
        finding=finding,
        criterion=finding.indicator.criterion,
        indicator=finding.indicator,
        **fields,
    )


def action_answer(
    *, action: ActionItem, user: User, status: str, completion_note: str = "", evidence: File | None = None
) -> ActionItem:
    """The commune or the owner reports progress: in progress or done, with a note and an optional evidence
    file. A verified task is not answered again (see `action_update`)."""
    if not access.may_answer_action(user, action):
        raise PermissionDenied
    if status not in (ActionStatus.IN_PROGRESS, ActionStatus.DONE):
        raise ApplicationError(_("Trạng thái không hợp lệ."), field="status")
    changes: dict[str, Any] = {"status": status, "completion_note": completion_note.strip()}
    _check_action_change(action=action, user=user, changes=changes, evidence=bool(evidence))
    changes |= _verification(action=action, user=user, changes=changes)
    if evidence:
        kind = validate_upload(evidence, kinds=EVIDENCE_KINDS, max_bytes=settings.EVIDENCE_MAX_BYTES)
        evidence.name = f"evidence{EXTENSIONS[kind]}"  # stored under upload_to when the row is saved
        changes["evidence"] = evidence
    action, _updated = model_update(instance=action, fields=list(changes), data=changes)
    return action
