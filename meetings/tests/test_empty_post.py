"""An empty POST is a POST: the new-session form comes back with its errors."""

from django.urls import reverse

from meetings.models import Meeting


def test_an_empty_post_to_the_new_session_form_shows_its_errors(users, client_for):
    response = client_for(users["vpdp_thoxuan"]).post(reverse("meetings:meeting_create"), {})

    assert response.status_code == 400
    assert {"commune", "subject", "started_at"} <= set(response.context["form"].errors)
    assert not Meeting.objects.exists()
