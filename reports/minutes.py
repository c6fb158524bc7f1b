"""The minutes (biên bản) of a working session as a PDF, in the format of Nghị định 30/2020/NĐ-CP, Mẫu 1.9.

Rendered from a dedicated print template with fonts read from disk (a Celery worker has no request).
The same source renders to the same bytes, so the file's SHA-256 names it and nothing is stored twice.
"""

import hashlib
from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

FONT_FILES = {
    ("normal", "normal"): "fonts/LiberationSerif-Regular.ttf",
    ("bold", "normal"): "fonts/LiberationSerif-Bold.ttf",
    ("normal", "italic"): "fonts/LiberationSerif-Italic.ttf",
    ("bold", "italic"): "fonts/LiberationSerif-BoldItalic.ttf",
}


@cache
def font_faces():
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


def _place_name(unit):
    for prefix in ("Xã ", "Phường ", "Thị trấn "):
        if unit.name.startswith(prefix):
            return unit.name[len(prefix) :]
    return unit.name


def minutes_context(meeting):
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
        "place_name": _place_name(meeting.commune),
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


def minutes_html(meeting):
    with translation.override("vi"):
        return render_to_string("reports/pdf/minutes.html", minutes_context(meeting))


def minutes_pdf(meeting):
    """(pdf bytes, sha256 hex) for the meeting as it is now."""
    from weasyprint import HTML

    pdf = HTML(string=minutes_html(meeting), base_url=str(Path(__file__).resolve().parent)).write_pdf()
    return pdf, hashlib.sha256(pdf).hexdigest()
