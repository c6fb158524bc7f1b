"""An empty POST is a POST: the plan's task form comes back with its errors."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from inspections.models import ActionItem


@pytest.fixture
def users(demo_reports):
    return {u.username: u for u in get_user_model().objects.all()}


def test_an_empty_post_to_a_task_s_edit_form_shows_its_errors(users, client_for):
    action = ActionItem.objects.filter(commune__code="15514", source="plan").order_by("pk").first()
    title = action.title

    response = client_for(users["xa_xuantruong"]).post(reverse("reports:action_edit", args=[action.pk]), {})

    assert response.status_code == 400
    assert {"criterion", "title", "owner_name"} <= set(response.context["form"].errors)
    action.refresh_from_db()
    assert action.title == title
