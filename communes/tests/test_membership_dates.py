"""An ended membership reads what it reached and acts on nothing (communes.access)."""

import datetime

import time_machine
from django.urls import reverse

from communes import access
from communes.models import Membership, Role
from reports.services import report_submit

TODAY = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


def _end(user, until):
    Membership.objects.filter(user=user).update(valid_until=until)


@time_machine.travel(TODAY, tick=False)
def test_an_ended_office_reads_the_overview_and_cannot_review(filled, users, client_for):
    office = users["vpdp_thoxuan"]
    report_submit(report=filled, user=users["xa_xuantruong"])
    _end(office, datetime.date(2025, 6, 30))
    client = client_for(office)
    district = filled.commune.parent

    assert client.get(reverse("dashboards:overview", args=[district.code])).status_code == 200
    assert client.get(reverse("reports:report_detail", args=[filled.pk])).status_code == 200
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("reports:report_review", args=[filled.pk]), {"decision": "accept"})
    assert response.status_code == 403
    filled.refresh_from_db()
    assert filled.status == "submitted"


@time_machine.travel(TODAY, tick=False)
def test_the_last_day_still_acts_and_the_next_one_reads_only(xuan_truong, users):
    official = users["xa_xuantruong"]
    _end(official, datetime.date(2026, 3, 10))
    assert access.can(official, "report.edit", xuan_truong)
    official = type(official).objects.get(pk=official.pk)  # a new request: no cached memberships
    with time_machine.travel(datetime.datetime(2026, 3, 11, 9, 0, tzinfo=datetime.UTC), tick=False):
        assert access.can(official, "unit.view", xuan_truong)
        assert not access.can(official, "report.edit", xuan_truong)
        assert access.units_with_role(official, Role.COMMUNE_OFFICIAL) == []
        assert access.primary_role(official) == Role.COMMUNE_OFFICIAL  # the old home page, read-only


@time_machine.travel(TODAY, tick=False)
def test_a_membership_not_yet_started_reaches_nothing(xuan_truong, users):
    official = users["xa_xuantruong"]
    Membership.objects.filter(user=official).update(valid_from=datetime.date(2026, 4, 1))
    assert not access.can(official, "unit.view", xuan_truong)
    assert not access.communes_visible_to(official).exists()
