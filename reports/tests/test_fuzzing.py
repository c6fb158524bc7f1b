"""Bad input, property-based (hypothesis), for the monthly report form, through the view: never a 500,
never a partial write, errors in Vietnamese (see core/testing_fuzz.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from hypothesis import event, example, given
from hypothesis import strategies as st

from communes.models import AdministrativeUnit
from core.testing_fuzz import (
    VIEWS,
    any_date_text,
    assert_vietnamese,
    form_errors,
    long_text,
    rolled_back,
    text,
    valid_date_text,
)


@pytest.fixture
def users(demo):
    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def april_report(demo):
    from reports.services import period_for, report_open

    return report_open(commune=AdministrativeUnit.objects.get(code="15514"), period=period_for(2021, 4))


def _pick_statuses(report):
    """One sub-criterion of each kind (number, percentage, yes/no, text, ...), thresholds first."""
    from reports.selectors import report_statuses

    by_kind = {}
    for status in report_statuses(report):
        by_kind.setdefault(status.indicator.kind, status)
    return sorted(by_kind.values(), key=lambda s: (not s.indicator.has_threshold, s.indicator.kind))


number_text = st.one_of(
    st.just(""),
    st.integers(-(10**12), 10**12).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(places=5, min_value=-(10**10), max_value=10**10).map(lambda d: str(d).replace(".", ",")),
    st.floats().map(repr),
    st.sampled_from(["62,5", "1.000,5", "9999999999,99999", "1e-30", "-0", "1 000", "1e9999999", "100,00001"]),
    st.sampled_from(["-1E+999999999", "1e-9999999", "9" * 400, "0," + "0" * 400 + "1", "999999999,99999"]),
    text,
)
_plain = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=80)
well_formed_answer = st.fixed_dictionaries(
    {},
    optional={
        "value": st.one_of(
            st.just(""),
            st.decimals(0, 100, places=2).map(lambda d: str(d).replace(".", ",")),
            st.decimals(-(10**9) + 1, 10**9 - 1, places=4).map(str),
        ),
        "met": st.sampled_from(["", "1", "0"]),
        "text": _plain,
        "note": _plain,
        "person": _plain,
        "planned": valid_date_text,
    },
)
random_answer = st.fixed_dictionaries(
    {},
    optional={
        "value": number_text,
        "met": st.one_of(st.sampled_from(["", "1", "0", "2", "true"]), text),
        "text": long_text,
        "note": long_text,
        "person": long_text,
        "planned": any_date_text,
    },
)
# The answer typed for one sub-criterion; fields that do not apply to its kind are left out.
answer = st.one_of(well_formed_answer, well_formed_answer, random_answer)
version_text = st.one_of(
    st.none(), st.none(), st.none(), st.none(), st.integers(-(10**20), 10**20).map(str), text
)  # None: the current version


def report_snapshot(report):
    from reports.models import EvidenceFile, IndicatorStatus, MonthlyReport

    return (
        MonthlyReport.objects.filter(pk=report.pk).values_list("version", "status", "updated_at").get(),
        list(
            IndicatorStatus.objects.filter(report=report)
            .order_by("pk")
            .extra(select={"v": "CAST(value AS TEXT)"})
            .values_list("pk", "v", "declared_met", "met", "text_value", "note", "responsible_person", "planned_date")
        ),
        IndicatorStatus.history.count(),
        EvidenceFile.objects.count(),
    )


@VIEWS
@example(answers=[{"value": "9999999999,99999"}], button="save", version=None)  # was saved, then the report 500'd
@example(answers=[{"note": "\x00"}], button="save", version=None)  # was "Null characters are not allowed."
@example(answers=[{"value": "1e9999999"}], button="save", version=None)  # abs() of it raises decimal.Overflow
@given(
    answers=st.lists(answer, max_size=6),
    button=st.sampled_from(["save", "save", "submit"]),
    version=version_text,
)
def test_report_form_never_500(users, april_report, client_for, answers, button, version):
    from reports.models import MonthlyReport

    report = april_report
    client = client_for(users["xa_xuantruong"])
    data = {button: "1"}
    for status, typed in zip(_pick_statuses(report), answers, strict=False):
        data.update({f"{name}_{status.pk}": value for name, value in typed.items()})
    with rolled_back():
        data["version"] = MonthlyReport.objects.get(pk=report.pk).version if version is None else version
        before = report_snapshot(report)
        response = client.post(reverse("reports:report_edit", args=[report.pk]), data)
        event(f"HTTP {response.status_code}")
        assert response.status_code in (302, 400, 409), response.status_code
        if response.status_code == 302:
            # What was saved can be shown again.
            assert client.get(reverse("reports:report_detail", args=[report.pk])).status_code == 200
            return
        assert report_snapshot(report) == before, "refused form after a partial write"
        body = response.content.decode()
        if response.status_code == 400:
            event(f"refused: {', '.join(sorted({n.split('_')[0] for n in response.context['form'].errors}))}")
        if response.status_code == 409:
            assert "vừa được người khác lưu" in body
            return
        assert "Chưa lưu được" in body
        errors = form_errors(response)
        assert errors
        for message in errors:
            assert_vietnamese(message)
