"""merge_units: three of Thọ Xuân's communes become one on 1/7/2025 (issue 17)."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from communes import access
from communes.models import AdministrativeUnit, Membership, Role
from criteria.models import Enrolment
from inspections.models import ActionItem, ActionStatus
from ntm_portal.demo import make_member, make_user
from ntm_portal.mergers import units_merge
from reports.models import MonthlyReport

ON = datetime.date(2025, 7, 1)
OLD = ["15514", "15517", "15502"]  # Xuân Trường, Xuân Hòa, and a third; the successor reuses 15514
MERGE = ["--into", "15514", "--name", "Xã Xuân Trường Mới", "--from", *OLD, "--on", "2025-07-01"]


def state():
    """Everything a merger may touch, as plain values."""
    return (
        sorted(
            AdministrativeUnit.objects.values_list(
                "pk", "code", "name", "parent_id", "path", "valid_until", "replaced_by"
            )
        ),
        sorted(Enrolment.objects.values_list("pk", "commune_id", "criteria_set_id", "starts_on")),
        sorted(ActionItem.objects.values_list("pk", "commune_id", "status")),
        sorted(Membership.objects.values_list("pk", "user_id", "unit_id", "role")),
        sorted(MonthlyReport.objects.values_list("pk", "commune_id")),
    )


@pytest.fixture
def merger(demo_reports, users):
    old = {code: AdministrativeUnit.objects.get(code=code) for code in OLD}
    user = users["xa_xuantruong"]
    tasks = {
        status: ActionItem.objects.create(
            commune=old["15517"], title=f"Việc {status}", due_date=ON, status=status, created_by=user
        )
        for status in (ActionStatus.OPEN, ActionStatus.VERIFIED)
    }
    return {"old": old, "tasks": tasks, "user": user}


def test_dry_run_then_merge_then_again(merger, capsys):
    before = state()
    call_command("merge_units", *MERGE, "--dry-run")
    dry = capsys.readouterr().out
    assert "Chạy thử" in dry and "Tạo đơn vị Xã Xuân Trường Mới (15514)" in dry
    assert state() == before

    call_command("merge_units", *MERGE)
    out = capsys.readouterr().out
    assert out.replace("Đã hợp nhất.\n", "") == dry.replace("Chạy thử (--dry-run): dữ liệu không thay đổi.\n", "")
    successor = AdministrativeUnit.objects.by_code("15514")
    assert (successor.name, successor.parent.code, successor.path, successor.valid_from) == (
        "Xã Xuân Trường Mới",
        "38",
        "38/15514/",
        ON,
    )
    for code, unit in merger["old"].items():
        unit.refresh_from_db()
        assert (unit.valid_until, unit.replaced_by, unit.parent.code) == (
            ON - datetime.timedelta(days=1),
            successor,
            "395",
        )
        assert unit.name != successor.name and unit.path == f"38/395/{code}/"
    # reports stay on the old units; enrolment, the open task and memberships are carried
    assert state()[4] == before[4]  # every report on the unit it had
    assert MonthlyReport.objects.filter(commune__in=merger["old"].values()).count() == 12
    assert not MonthlyReport.objects.filter(commune=successor).exists()
    enrolment = Enrolment.objects.get(commune=successor)
    old_enrolment = Enrolment.objects.get(commune=merger["old"]["15514"])
    assert (enrolment.criteria_set, enrolment.target_year) == (old_enrolment.criteria_set, old_enrolment.target_year)
    tasks = merger["tasks"]
    assert ActionItem.objects.get(pk=tasks[ActionStatus.OPEN].pk).commune == successor
    assert ActionItem.objects.get(pk=tasks[ActionStatus.VERIFIED].pk).commune == merger["old"]["15517"]
    assert Membership.objects.filter(user=merger["user"], unit=successor, role=Role.COMMUNE_OFFICIAL).exists()
    old_membership = Membership.objects.get(user=merger["user"], unit=merger["old"]["15514"])
    assert old_membership.valid_until == ON - datetime.timedelta(days=1)
    assert Membership.objects.get(user=merger["user"], unit=successor).valid_from == ON
    assert enrolment.starts_on == ON.replace(day=1)

    after = state()
    call_command("merge_units", *MERGE)
    assert "Không có gì thay đổi" in capsys.readouterr().out
    assert state() == after


def test_merge_refuses_unknown_units_and_changes_nothing(merger):
    before = state()
    with pytest.raises(CommandError) as error:
        call_command("merge_units", *MERGE[:-3], "15514", "99999", "--on", "2025-07-01")
    assert "Không tìm thấy đơn vị có hiệu lực ngày 30/06/2025 với mã: 99999" in str(error.value)
    assert state() == before


def test_merge_into_a_new_code_under_a_given_parent(merger):
    outcome = units_merge(into_code="16000", name="Xã Mới", from_codes=["15517", "15502"], on=ON, parent_code="395")
    assert outcome.successor.path == "38/395/16000/"
    assert AdministrativeUnit.objects.get(code="15514").valid_until is None


def test_get_unit_or_404_by_code_is_the_current_version(merger):
    call_command("merge_units", *MERGE)
    official = merger["user"]
    unit = access.get_unit_or_404(official, "15514")
    assert unit.valid_from == ON and unit.name == "Xã Xuân Trường Mới"
    old = merger["old"]["15514"]
    assert access.get_unit_or_404(official, "15514", version=old.pk) == old


def test_unit_page_lists_predecessors_a_successor_person_can_open(merger, client_for):
    call_command("merge_units", *MERGE)
    successor = AdministrativeUnit.objects.by_code("15514")
    newcomer = make_member("newcomer", Role.COMMUNE_OFFICIAL, successor)  # reaches the successor only
    client = client_for(newcomer)
    page = client.get(reverse("communes:unit_detail", args=["15514"]))
    assert page.status_code == 200 and page.context["unit"] == successor
    assert {p.pk for p in page.context["predecessors"]} == {u.pk for u in merger["old"].values()}
    html = page.content.decode()
    for unit in merger["old"].values():
        link = f"{reverse('communes:unit_detail', args=[unit.code])}?version={unit.pk}"
        assert link in html
        opened = client.get(link)
        assert opened.status_code == 200 and opened.context["unit"] == unit
    # the old units' own pages are not opened to anybody else
    client.force_login(make_user("stranger"))
    assert client.get(link).status_code == 404
