"""The minutes (biên bản) of a working session as a PDF, in the format of Nghị định 30/2020/NĐ-CP, Mẫu 1.9.

Rendered from a dedicated print template with fonts read from disk (a Celery worker has no request).
The same source renders to the same bytes, so the file's SHA-256 names it and nothing is stored twice.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import ImageFile

from criteria.models import COMMUNE_STANDARD, SetLevel

from .models import Meeting, MinutesState

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

FONT_FILES = {
    ("normal", "normal"): "fonts/LiberationSerif-Regular.ttf",
    ("bold", "normal"): "fonts/LiberationSerif-Bold.ttf",
    ("normal", "italic"): "fonts/LiberationSerif-Italic.ttf",
    ("bold", "italic"): "fonts/LiberationSerif-BoldItalic.ttf",
}


@cache
def font_faces() -> str:
    """@font-face rules pointing at the shipped Liberation Serif files (file:// URLs, no HTTP)."""
    rules = []
    for (weight, style), name in FONT_FILES.items():
        path = finders.find(name)
        if not path:
            raise FileNotFoundError(name)
        rules.append(
            f"@font-face {{ font-family: 'Liberation Serif'; font-weight: {weight}; font-style: {style}; "
            f"src: url('{Path(path).as_uri()}'); }}"
        )
    return "\n".join(rules)


def _standard(meeting: Meeting) -> str:
    """ "xã nông thôn mới nâng cao", or the words of the level of the set the meeting's report is on."""
    report = meeting.frozen_report
    level = report.criteria_set.level if report is not None else SetLevel.NTM
    return str(COMMUNE_STANDARD[SetLevel(level)])


def minutes_context(meeting: Meeting) -> dict[str, Any]:
    start = timezone.localtime(meeting.started_at)
    end = timezone.localtime(meeting.ended_at) if meeting.ended_at else None
    owner = meeting.issuing_unit
    return {
        "meeting": meeting,
        # Minutes not yet finalised say so on every page, so a printed draft cannot pass for the record.
        "draft_mark": "" if meeting.is_final else _("DỰ THẢO"),
        "font_faces": font_faces(),
        "parent_body": f"UBND {owner.name}".upper(),
        "body": "VĂN PHÒNG ĐIỀU PHỐI NTM",
        # The issuing body's seat, not the visited commune's (NĐ 30/2020, Mẫu 1.9).
        "place_name": meeting.issuing_unit.place_name,
        "standard": _standard(meeting),
        "start": start,
        "end": end,
        "attendees": list(meeting.attendees.order_by("last_name", "first_name")),
        "guests": [line.strip() for line in meeting.guests.splitlines() if line.strip()],
        "met": [c for c in meeting.frozen_criteria if c["met"]],
        "unmet": [c for c in meeting.frozen_criteria if not c["met"]],
        "remarks": list(meeting.remarks.select_related("criterion")),
        "directives": list(meeting.directives.all()),
        "recipients": [line.strip() for line in meeting.recipients.splitlines() if line.strip()],
    }


def minutes_html(meeting: Meeting) -> str:
    with translation.override("vi"):
        return render_to_string("meetings/minutes_pdf.html", minutes_context(meeting))


def minutes_pdf(meeting: Meeting) -> tuple[bytes, str]:
    """(pdf bytes, sha256 hex) for the meeting as it is now."""
    from weasyprint import HTML

    # Importing WeasyPrint lets Pillow accept truncated images, for the whole process; a photo cut off by a
    # bad connection must still be refused (inspections.photos), so that is undone here.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    pdf = HTML(string=minutes_html(meeting), base_url=str(Path(__file__).resolve().parent)).write_pdf()
    return pdf, hashlib.sha256(pdf).hexdigest()


def minutes_render(meeting_id: int) -> str | None:
    """Render the meeting's current version; store the PDF under its hash (the same bytes are stored once).

    Safe to run twice: a render of an older version does not overwrite a newer one.
    """
    meeting = Meeting.objects.select_related("commune", "issuing_unit", "chair", "secretary").get(pk=meeting_id)
    version = meeting.version
    if meeting.pdf_version == version and meeting.pdf_state == MinutesState.READY and meeting.pdf:
        return meeting.pdf_hash
    try:
        pdf, digest = minutes_pdf(meeting)
    except Exception as error:  # a broken render must show as "failed" (with a retry), not spin forever
        logger.exception("minutes %s: rendering failed", meeting_id)
        Meeting.objects.filter(pk=meeting_id, version=version).update(
            pdf_state=MinutesState.FAILED, pdf_error=f"{error.__class__.__name__}: {error}"[:2000]
        )
        return None
    name = f"private/minutes/{digest}.pdf"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(pdf))
    Meeting.objects.filter(pk=meeting_id, version=version).update(
        pdf=name,
        pdf_hash=digest,
        pdf_version=version,
        pdf_state=MinutesState.READY,
        pdf_error="",
        pdf_rendered_at=timezone.now(),
    )
    return digest
