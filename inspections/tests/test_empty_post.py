"""An empty POST is a POST: the field forms come back with their errors, never as a blank GET page."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from core.errors import ApplicationError
from inspections import services
from inspections.models import ActionItem, ActionStatus, Inspection
from ntm_portal.demo import seed_inspection


@pytest.fixture
def users(demo_reports):
    seed_inspection()
    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def inspection(users):
    return Inspection.objects.get(commune__code="15514")


def _form_errors(response):
    assert response.status_code == 400
    return response.context["form"].errors


def test_an_empty_post_to_the_inspection_forms_shows_their_errors(users, inspection, client_for):
    client = client_for(users["totrt_thoxuan"])
    visit = inspection.visits.first()
    before = (Inspection.objects.count(), inspection.visits.count(), visit.findings.count())

    assert "commune" in _form_errors(client.post(reverse("inspections:inspection_create"), {}))
    assert "name" in _form_errors(client.post(reverse("inspections:visit_create", args=[inspection.pk]), {}))
    assert "indicator" in _form_errors(client.post(reverse("inspections:finding_create", args=[visit.pk]), {}))
    assert (Inspection.objects.count(), inspection.visits.count(), visit.findings.count()) == before


def test_an_empty_post_to_a_task_shows_the_answer_form_s_errors(users, inspection, client_for):
    action = ActionItem.objects.filter(commune=inspection.commune).first()

    response = client_for(users["xa_xuantruong"]).post(reverse("inspections:action_detail", args=[action.pk]), {})

    assert "status" in _form_errors(response)


def test_a_refusal_becomes_a_message_but_a_programming_error_is_a_500(users, inspection, client_for, monkeypatch):
    action = ActionItem.objects.filter(commune=inspection.commune).exclude(status=ActionStatus.DONE).first()
    url = reverse("inspections:action_detail", args=[action.pk])
    client = client_for(users["totrt_thoxuan"])

    response = client.post(url, {"verify": "1"}, follow=True)  # not done yet: refused by the service
    assert "Chỉ xác nhận được nhiệm vụ đã hoàn thành." in [str(m) for m in response.context["messages"]]

    def broken(**kwargs):
        raise ValueError("a bug, not a refusal")

    monkeypatch.setattr(services, "action_verify", broken)
    with pytest.raises(ValueError, match="a bug"):
        client.post(url, {"verify": "1"})
    client.raise_request_exception = False
    assert client.post(url, {"verify": "1"}).status_code == 500


def test_the_refusal_is_an_application_error(users, inspection):
    action = ActionItem.objects.filter(commune=inspection.commune).exclude(status=ActionStatus.DONE).first()

    with pytest.raises(ApplicationError):
        services.action_verify(action=action, user=users["totrt_thoxuan"])
