"""Addresses bookmarked before `reports` was split lead to the same pages."""

import pytest


@pytest.mark.parametrize(
    "old, new",
    [
        ("/reports/dashboard/", "/dashboards/"),
        ("/reports/dashboard/395/matrix/?period=2021-04&sort=met", "/dashboards/395/matrix/?period=2021-04&sort=met"),
        ("/reports/commune/15514/", "/dashboards/commune/15514/"),
        ("/reports/meetings/3/pdf/", "/meetings/3/pdf/"),
        ("/reports/notifications/", "/notifications/"),
    ],
)
def test_an_old_address_is_a_permanent_redirect_to_the_new_one(client, old, new):
    response = client.get(old)
    assert (response.status_code, response["Location"]) == (301, new)


def test_a_form_posted_from_an_old_page_keeps_its_method(client):
    response = client.post("/reports/notifications/read/", {"id": "1"})
    assert (response.status_code, response["Location"]) == (308, "/notifications/read/")


def test_the_new_address_answers(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("someone"))
    assert client.get("/reports/notifications/", follow=True).redirect_chain == [("/notifications/", 301)]
