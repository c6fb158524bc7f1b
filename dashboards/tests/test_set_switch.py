"""Issue 17 (part 4): a dashboard shows one criteria set at a time; trends break where the set changes;
the footer names the sets of the user's own units."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from communes.models import Role
from core.testing import csv_bytes
from criteria.models import SetLevel
from criteria.services import CRITERIA_COLUMNS, criteria_set_import, enrolment_set
from ntm_portal.demo import make_member
from reports.models import IndicatorStatus, MonthlyReport
from reports.services import period_for


def _set_file(criteria):
    rows = [list(CRITERIA_COLUMNS)]
    for number, name in criteria:
        rows.append([str(number), name, "", f"{number}.1", f"Chỉ số của {name}", "yes_no", "", "Đạt", "", "", ""])
    return csv_bytes(rows)


OLD_CRITERIA = [(1, "Điện cũ"), (2, "Trường học cũ"), (3, "Văn hóa cũ")]
NEW_CRITERIA = [(1, "Giao thông mới"), (2, "Môi trường mới")]


def _report(commune, period, criteria_set, met):
    total = criteria_set.criteria.count()
    report = MonthlyReport.objects.create(
        commune=commune,
        period=period,
        criteria_set=criteria_set,
        status="submitted",
        criteria_total=total,
        criteria_met=len(met),
        indicators_total=total,
        indicators_met=len(met),
        indicators_answered=total,
        met_criteria=met,
    )
    IndicatorStatus.objects.bulk_create(
        IndicatorStatus(report=report, indicator=i, met=i.criterion.number in met)
        for i in criteria_set.indicators.select_related("criterion")
    )
    return report


@pytest.fixture
def two_sets(tree, people):
    """A and B (district T10) on the old set; C (district T20) on the old set, then on the new one from
    April 2021. Each reports in March and April 2021."""
    old = criteria_set_import(_set_file(OLD_CRITERIA), code="bo-cu", name="Bộ tiêu chí thử cũ")
    new = criteria_set_import(_set_file(NEW_CRITERIA), code="bo-moi", name="Bộ tiêu chí thử mới")
    for commune in (tree["a"], tree["b"], tree["c"]):
        enrolment_set(commune=commune, criteria_set=old, target_level=SetLevel.ADVANCED, target_year=2025)
    enrolment_set(
        commune=tree["c"],
        criteria_set=new,
        target_level=SetLevel.ADVANCED,
        target_year=2027,
        starts_on=datetime.date(2021, 4, 1),
    )
    march, april = period_for(2021, 3), period_for(2021, 4)
    for commune in (tree["a"], tree["b"]):
        _report(commune, march, old, [1])
        _report(commune, april, old, [1, 2])
    _report(tree["c"], march, old, [1, 2, 3])
    _report(tree["c"], april, new, [2])
    return {"old": old, "new": new}


def matrix_of(client, query):
    return client.get(reverse("dashboards:matrix", args=["T1"]) + "?period=2021-4" + query)


def test_matrix_shows_the_set_most_communes_use_with_its_own_criteria(two_sets, client_for, people):
    response = matrix_of(client_for(people["province_office"]), "")
    assert response.context["overview"].criteria_set == two_sets["old"]
    assert [(c.number, c.name) for c in response.context["columns"]] == OLD_CRITERIA
    assert [row.commune.code for row, _cells in response.context["table"]] == ["T100", "T101"]
    body = response.content.decode()
    assert 'title="Văn hóa cũ"' in body
    assert "Giao thông mới" not in body and "Môi trường mới" not in body
    # the switcher, and the line about the communes on the other set, with a link to it
    assert 'id="set-switcher"' in body and "Bộ tiêu chí thử cũ (2 xã)" in body and "Bộ tiêu chí thử mới (1 xã)" in body
    assert "1 xã theo bộ tiêu chí khác:" in body
    assert "?period=2021-4&amp;set=bo-moi" in body


def test_set_in_the_query_switches_the_page_and_keeps_the_filters(two_sets, client_for, people):
    response = matrix_of(client_for(people["province_office"]), "&set=bo-moi&sort=criteria&criterion=3")
    assert response.context["overview"].criteria_set == two_sets["new"]
    assert [(c.number, c.name) for c in response.context["criteria"]] == NEW_CRITERIA
    assert [row.commune.code for row, _cells in response.context["table"]] == ["T200"]
    body = response.content.decode()
    assert "Điện cũ" not in body and "Văn hóa cũ" not in body
    assert "2 xã theo bộ tiêu chí khác:" in body
    # back to the old set: the period and sort are kept, the criterion (a number of another set) is not
    assert "?period=2021-4&amp;sort=criteria&amp;set=bo-cu" in body
    # the tabs carry the set
    assert reverse("dashboards:rollup", args=["T1"]) + "?period=2021-4&amp;set=bo-moi" in body
    export = matrix_of(client_for(people["province_office"]), "&set=bo-moi&format=csv")
    header = next(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert header[3:] == ["TC1. Giao thông mới", "TC2. Môi trường mới"]


def test_unknown_set_falls_back_to_the_most_used_one(two_sets, client_for, people):
    response = matrix_of(client_for(people["province_office"]), "&set=khong-co")
    assert response.context["overview"].criteria_set == two_sets["old"]


def test_a_unit_on_one_set_has_no_switcher(two_sets, client_for, people):
    response = client_for(people["office"]).get(reverse("dashboards:matrix", args=["T10"]) + "?period=2021-4")
    body = response.content.decode()
    assert 'id="set-switcher"' not in body and "theo bộ tiêu chí khác" not in body
    assert "set=" not in body.split('id="matrix-table"')[1]


def test_overview_rollup_and_summary_count_one_set(two_sets, client_for, people):
    client = client_for(people["province_office"])
    overview = client.get(reverse("dashboards:overview", args=["T1"]) + "?period=2021-4&set=bo-moi")
    assert overview.context["totals"]["communes"] == 1
    rollup = client.get(reverse("dashboards:rollup", args=["T1"]) + "?period=2021-4")
    assert {line["unit"].code: line["enrolled"] for line in rollup.context["lines"]} == {"T10": 2}
    assert {c.name for c, _n in rollup.context["most_missed"]} == {"Văn hóa cũ"}
    summary = client.get(reverse("dashboards:summary", args=["T1"]) + "?period=2021-4&set=bo-moi")
    assert {line["unit"].code: line["enrolled"] for line in summary.context["lines"]} == {"T20": 1}
    assert [c.name for c, _n in summary.context["most_missed"]] == ["Giao thông mới"]


def test_criterion_numbers_are_per_set(two_sets, client_for, people):
    client = client_for(people["province_office"])
    url = reverse("dashboards:criterion", args=["T1", 2])
    assert client.get(url + "?period=2021-4").context["criterion"].name == "Trường học cũ"
    new = client.get(url + "?period=2021-4&set=bo-moi")
    assert new.context["criterion"].name == "Môi trường mới"
    assert [row.commune.code for row, _met in new.context["rows"]] == ["T200"]
    # criterion 3 exists only in the old set: switching to the new one starts at its first criterion
    switched = client.get(reverse("dashboards:criterion", args=["T1", 3]) + "?period=2021-4&set=bo-moi")
    assert switched.status_code == 302
    assert switched["Location"] == reverse("dashboards:criterion", args=["T1", 1]) + "?period=2021-4&set=bo-moi"
    assert client.get(reverse("dashboards:criterion", args=["T1", 3]) + "?period=2021-4").status_code == 200


def test_long_export_lists_one_sets_criteria(two_sets, client_for, people):
    client = client_for(people["province_office"])
    response = client.get(reverse("dashboards:long_export", args=["T1"]) + "?format=csv&set=bo-moi")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))[1:]
    assert {(line[3], line[6]) for line in lines} == {("T200", "Giao thông mới"), ("T200", "Môi trường mới")}
    assert "bo-moi" in response["Content-Disposition"]


def test_trend_breaks_where_the_commune_changed_set(two_sets, client_for, people, tree):
    response = client_for(people["other_office"]).get(reverse("dashboards:commune", args=["T200"]))
    chart = response.context["chart"]
    assert len(chart["segments"]) == 2
    assert all(" " not in segment["criteria"] for segment in chart["segments"])  # one point each, no line across
    assert [(b["text"], str(b["period"])) for b in chart["breaks"]] == [("bo-moi", "04/2021")]
    body = response.content.decode()
    assert 'class="set-break"' in body and ">bo-moi</text>" in body
    assert "Từ 04/2021: Bộ tiêu chí thử mới" in body
    unbroken = client_for(people["office"]).get(reverse("dashboards:commune", args=["T100"])).context["chart"]
    assert len(unbroken["segments"]) == 1 and not unbroken["breaks"]
    # the change of a commune on another set is not compared with the month before
    overview = client_for(people["province_office"]).get(
        reverse("dashboards:overview", args=["T1"]) + "?period=2021-4&set=bo-moi"
    )
    assert overview.context["data"].rows[0].criteria_change is None


def test_trend_breaks_where_the_unit_changed(two_sets, tree):
    from dashboards import charts

    reports = list(MonthlyReport.objects.filter(commune=tree["a"]).select_related("period", "criteria_set"))
    reports.sort(key=lambda r: r.period.month)
    reports[1].commune_id = tree["b"].pk  # as a report of the unit version after a merger would be
    chart = charts.trajectory(reports)
    assert len(chart["segments"]) == 2 and chart["breaks"][0]["text"] == "bo-cu"
    assert chart["breaks"][0]["set_changed"] is False


def test_footer_names_the_sets_of_the_users_own_units(two_sets, client_for, people, tree):
    official_c = make_member("official_c", Role.COMMUNE_OFFICIAL, tree["c"])

    def footer(user):
        body = client_for(user).get(reverse("criteria:set_list")).content.decode()
        return body.split("<footer")[1]

    assert "Bộ tiêu chí thử cũ" in footer(people["official_a"]) and "thử mới" not in footer(people["official_a"])
    assert "Bộ tiêu chí thử mới" in footer(official_c) and "thử cũ" not in footer(official_c)
    assert "Bộ tiêu chí thử cũ" in footer(people["office"]) and "thử mới" not in footer(people["office"])
    both = footer(people["province_office"])
    assert "Bộ tiêu chí áp dụng cho địa bàn của bạn:" in both
    assert both.index("Bộ tiêu chí thử cũ") < both.index("Bộ tiêu chí thử mới")  # the most used first
    outsider = footer(people["outsider"])
    assert "Bộ tiêu chí áp dụng" not in outsider and "Văn phòng Điều phối Nông thôn mới" in outsider
