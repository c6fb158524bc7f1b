"""A reporting period is shared by every commune: only an office whose units hold every commune the period
covers may move its deadline (issue 14)."""

import pytest
from django.test import Client
from django.urls import reverse

from communes import access
from communes.models import AdministrativeUnit
from criteria.models import CriteriaSet, Enrolment, SetLevel
from reports.models import MonthlyReport, ReportingPeriod, default_deadline
from reports.selectors import periods_with_movable_deadline
from reports.services import period_for

NEW_DEADLINE = {"deadline": "2021-04-28T17:00", "reason": "Nghỉ lễ"}


@pytest.fixture
def criteria_set(db):
    return CriteriaSet.objects.create(code="thu", name="Bộ thử", is_complete=True)


@pytest.fixture
def enrol(criteria_set):
    def make(commune):
        return Enrolment.objects.create(
            commune=commune, criteria_set=criteria_set, target_level=SetLevel.ADVANCED, target_year=2025
        )

    return make


@pytest.fixture
def april(db):
    return period_for(2021, 4)


@pytest.fixture
def may(db):
    return period_for(2021, 5)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _move(user, period):
    return _client(user).post(reverse("reports:period_deadline", args=[period.pk]), NEW_DEADLINE)


def _unchanged(period):
    period = ReportingPeriod.objects.get(pk=period.pk)
    return period.deadline == default_deadline(2021, period.month) and period.deadline_note == ""


def test_an_office_beyond_an_enrolled_commune_may_not_move_the_deadline(tree, people, enrol, april):
    enrol(tree["a"])  # Xã An, in the office's district (T10); the other office is in T20

    assert _move(people["other_office"], april).status_code == 403
    assert _unchanged(april)

    assert _move(people["office"], april).status_code == 302
    april.refresh_from_db()
    assert april.deadline_moved and april.deadline_note == "Nghỉ lễ"


def test_communes_enrolled_in_two_districts_leave_it_to_the_office_above_both(tree, people, enrol, april):
    enrol(tree["a"])
    enrol(tree["c"])  # Xã Cường, in the other district

    assert _move(people["office"], april).status_code == 403
    assert _move(people["other_office"], april).status_code == 403
    assert _unchanged(april)
    assert _move(people["province_office"], april).status_code == 302
    assert not _unchanged(april)


def test_a_report_in_the_period_counts_even_without_an_active_enrolment(tree, people, enrol, criteria_set, april, may):
    enrol(tree["a"])
    # Xã Cường is not enrolled (it left), but reported in April
    MonthlyReport.objects.create(commune=tree["c"], period=april, criteria_set=criteria_set)

    assert _move(people["office"], april).status_code == 403
    assert _unchanged(april)
    assert _move(people["office"], may).status_code == 302


def test_the_period_list_offers_the_deadline_form_only_where_the_office_may_use_it(
    tree, people, enrol, criteria_set, april, may
):
    enrol(tree["a"])
    MonthlyReport.objects.create(commune=tree["c"], period=april, criteria_set=criteria_set)
    april_form = reverse("reports:period_deadline", args=[april.pk])
    may_form = reverse("reports:period_deadline", args=[may.pk])

    own = _client(people["office"]).get(reverse("reports:period_list")).content.decode()
    assert may_form in own and april_form not in own
    assert "chỉ văn phòng phụ trách tất cả các xã đó mới điều chỉnh được hạn nộp" in own

    other = _client(people["other_office"]).get(reverse("reports:period_list")).content.decode()
    assert may_form not in other and april_form not in other

    province = _client(people["province_office"]).get(reverse("reports:period_list")).content.decode()
    assert may_form in province and april_form in province


def test_movable_periods_cost_a_fixed_number_of_queries(tree, people, enrol, django_assert_num_queries):
    enrol(tree["a"])
    periods = [period_for(2021, month) for month in range(1, 13)]
    with django_assert_num_queries(3):  # the memberships, the enrolled communes, the reports beyond reach
        assert periods_with_movable_deadline(people["office"], periods) == {p.pk for p in periods}


def test_office_reaches_all(tree, people):
    communes = AdministrativeUnit.objects.filter(code__in=["T100", "T101"])
    assert access.office_reaches_all(people["office"], communes)
    assert access.office_reaches_all(people["province_office"], communes)
    assert not access.office_reaches_all(people["other_office"], communes)
    assert not access.office_reaches_all(people["leader"], communes)  # not an office at all
    assert not access.office_reaches_all(people["office"], communes | AdministrativeUnit.objects.filter(code="T200"))
