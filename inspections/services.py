from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.uploads import EVIDENCE_KINDS, EXTENSIONS, PHOTO_KINDS, validate_upload

from .models import ActionItem, ActionSource, ActionStatus, Finding, Inspection, Photo, SiteVisit
from .photos import process_photo

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


def action_create(*, commune, created_by, source, **fields):
    unknown = set(fields) - set(ACTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {unknown}")
    return ActionItem.objects.create(commune=commune, created_by=created_by, source=source, **fields)


def action_update(*, action, **fields):
    """Change an action's fields; only the changed ones are written (and recorded in its history)."""
    changed = [name for name, value in fields.items() if name in ACTION_FIELDS and getattr(action, name) != value]
    if changed:
        for name in changed:
            setattr(action, name, fields[name])
        with transaction.atomic():
            action.save(update_fields=[*changed, "updated_at"])
    return action


def action_verify(*, action, user):
    if action.status != ActionStatus.DONE:
        raise ValueError(_("Chỉ xác nhận được nhiệm vụ đã hoàn thành."))
    action.status, action.verified_by, action.verified_at = ActionStatus.VERIFIED, user, timezone.now()
    action.save(update_fields=["status", "verified_by", "verified_at", "updated_at"])
    return action


# --- Inspections in the field ---------------------------------------------------------------


def inspection_create(*, commune, date, team_name, leader, members=(), purpose="", created_by):
    with transaction.atomic():
        inspection = Inspection.objects.create(
            commune=commune, date=date, team_name=team_name, leader=leader, purpose=purpose, created_by=created_by
        )
        inspection.members.set(members)
    return inspection


def visit_add(*, inspection, site_type, name, village="", latitude=None, longitude=None):
    return SiteVisit.objects.create(
        inspection=inspection,
        site_type=site_type,
        name=name,
        village=village,
        latitude=latitude,
        longitude=longitude,
    )


def photo_add(*, finding, upload, user):
    """Store a validated photo privately, with a resized copy for display and its EXIF time and place."""
    kind = validate_upload(upload, kinds=PHOTO_KINDS, max_bytes=settings.PHOTO_MAX_BYTES)
    info = process_photo(upload)
    photo = Photo(
        finding=finding,
        original_name=upload.name[:255],
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


def finding_add(*, visit, indicator, assessment, shortcoming="", recommendation="", photos=(), user):
    """A finding and its photos, all or nothing (a bad photo leaves no half-saved finding)."""
    for upload in photos:  # refuse before anything is written (a photo that cannot be decoded raises ValueError)
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


def finding_resolve(*, finding, user, resolution):
    if not resolution.strip():
        raise ValueError(_("Cần ghi kết quả xử lý."))
    finding.resolved_at, finding.resolved_by, finding.resolution = timezone.now(), user, resolution.strip()
    finding.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    return finding


def action_from_finding(*, finding, created_by, **fields):
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


def action_answer(*, action, status, completion_note="", evidence=None):
    """The owner reports progress: in progress or done, with a note and an optional evidence file."""
    if status not in (ActionStatus.IN_PROGRESS, ActionStatus.DONE):
        raise ValueError(_("Trạng thái không hợp lệ."))
    if status == ActionStatus.DONE and not (completion_note.strip() or evidence or action.evidence):
        raise ValueError(_("Khi báo hoàn thành, cần ghi kết quả hoặc đính kèm minh chứng."))
    if evidence:
        kind = validate_upload(evidence, kinds=EVIDENCE_KINDS, max_bytes=settings.EVIDENCE_MAX_BYTES)
        action.evidence.save(f"evidence{EXTENSIONS[kind]}", evidence, save=False)
    action.status, action.completion_note = status, completion_note.strip()
    action.save(update_fields=["status", "completion_note", "evidence", "updated_at"])
    return action
