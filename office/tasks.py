from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from communes.selectors import languages_of
from core import outbox

from .models import AccountChange, ChangeKind


def _waiting(ids):
    return AccountChange.objects.filter(pk__in=ids, kind=ChangeKind.LINK_SENT, mailed_at=None).exclude(person__email="")


@shared_task(**outbox.IDEMPOTENT)
def send_set_password_link(change_id):
    """Mail the person of a LINK_SENT change a link to set their password; claimed first, so a second run
    sends nothing. The token is made now (it is never stored) and lasts PASSWORD_RESET_TIMEOUT."""
    with transaction.atomic():
        claimed = _waiting([change_id]).update(mailed_at=timezone.now())
    if not claimed:
        return "already sent"
    change = AccountChange.objects.select_related("person", "actor", "unit").get(pk=change_id)
    person = change.person
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )
    context = {
        "person": person,
        "change": change,
        "link": f"{settings.SITE_URL}{path}",
        "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
        "site_url": settings.SITE_URL,
    }
    try:
        with translation.override(languages_of([person])[person.pk]):
            send_mail(
                subject=render_to_string("office/email/set_password_subject.txt", context).strip(),
                message=render_to_string("office/email/set_password.txt", context),
                from_email=None,
                recipient_list=[person.email],
            )
    except Exception:
        AccountChange.objects.filter(pk=change_id).update(mailed_at=None)  # the outbox sweep sends it later
        raise
    return "sent"


outbox.register(send_set_password_link, still_to_do=_waiting)
