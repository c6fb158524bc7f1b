from celery import shared_task

from core import outbox

from .minutes import minutes_render
from .models import RENDERING, Meeting, MinutesState


@shared_task(**outbox.IDEMPOTENT)
def render_minutes(meeting_id):
    """Render a meeting's minutes to PDF (WeasyPrint); ids only, safe to run twice."""
    return minutes_render(meeting_id)


# Messages queued before `reports` was split carry the task's old name: a worker still knows it.
shared_task(name="reports.tasks.render_minutes", **outbox.IDEMPOTENT)(render_minutes.run)


def _give_up(meeting_id, attempts):
    Meeting.objects.filter(pk=meeting_id, pdf_state__in=RENDERING).update(
        pdf_state=MinutesState.FAILED, pdf_error=f"not rendered after {attempts} hand-overs to the worker"
    )


outbox.register(
    render_minutes,
    still_to_do=lambda ids: Meeting.objects.filter(pk__in=ids, pdf_state__in=RENDERING),
    give_up=_give_up,
)
