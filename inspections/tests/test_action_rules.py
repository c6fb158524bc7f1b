"""Who may change what of a task (issue 15, item 6): the commune proposes done, the inspector or the
office verifies; the due date of an inspection's follow-up is theirs (communes.access, "Tasks")."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from inspections import services
from inspections.forms import ActionItemForm
from inspections.models import ActionItem, ActionStatus
from ntm_portal.demo import seed_inspection

INSPECTION_DUE = datetime.date(2021, 9, 30)


@pytest.fixture
def users(demo_reports):
    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def follow_up(users):
    """The inspection team's follow-up of the school finding, due 30/09/2021."""
    seed_inspection()
    return ActionItem.objects.get(finding__visit__site_type="school")


@pytest.fixture
def plan_task(users):
    return ActionItem.objects.filter(commune__code="15514", source="plan").order_by("pk").first()


def test_a_commune_official_cannot_verify_a_task(follow_up, users):
    follow_up.status, follow_up.completion_note = ActionStatus.DONE, "Đã cải tạo"
    follow_up.save()

    with pytest.raises(services.ActionRefused, match="Chỉ đoàn kiểm tra hoặc Văn phòng Điều phối"):
        services.action_update(action=follow_up, user=users["xa_xuantruong"], status=ActionStatus.VERIFIED)

    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.verified_by) == (ActionStatus.DONE, None)
    with pytest.raises(PermissionDenied):
        services.action_verify(action=follow_up, user=users["xa_xuantruong"])


def test_a_commune_official_cannot_move_the_due_date_an_inspection_set(follow_up, plan_task, users):
    official = users["xa_xuantruong"]

    with pytest.raises(services.ActionRefused) as refused:
        services.action_update(action=follow_up, user=official, due_date=datetime.date(2030, 12, 31))

    assert refused.value.field == "due_date"
    follow_up.refresh_from_db()
    assert follow_up.due_date == INSPECTION_DUE
    services.action_update(action=plan_task, user=official, due_date=datetime.date(2030, 12, 31))  # its own plan
    plan_task.refresh_from_db()
    assert plan_task.due_date == datetime.date(2030, 12, 31)


def test_the_inspector_verifies_and_moves_the_date(follow_up, users):
    inspector = users["totrt_thoxuan"]
    follow_up.status, follow_up.completion_note = ActionStatus.DONE, "Đã cải tạo"
    follow_up.save()

    services.action_update(
        action=follow_up, user=inspector, status=ActionStatus.VERIFIED, due_date=datetime.date(2021, 12, 31)
    )

    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.verified_by, follow_up.due_date) == (
        ActionStatus.VERIFIED,
        inspector,
        datetime.date(2021, 12, 31),
    )
    assert follow_up.verified_at is not None


def test_a_role_that_may_not_edit_tasks_gets_a_403_from_the_service(follow_up, users):
    for username in ("phong_ythoxuan", "lanhdao_thoxuan"):
        with pytest.raises(PermissionDenied):
            services.action_update(action=follow_up, user=users[username], title="Khác")


def test_the_commune_s_form_offers_neither_verified_nor_the_inspection_s_due_date(follow_up, users, client_for):
    url = reverse("reports:action_edit", args=[follow_up.pk])

    form = client_for(users["xa_xuantruong"]).get(url).context["form"]

    assert ActionStatus.VERIFIED not in dict(form.fields["status"].choices)
    assert form.fields["due_date"].widget.attrs.get("readonly")
    form = client_for(users["totrt_thoxuan"]).get(url).context["form"]
    assert ActionStatus.VERIFIED in dict(form.fields["status"].choices)
    assert not form.fields["due_date"].widget.attrs.get("readonly")


def test_the_plan_form_of_a_commune_cannot_create_a_verified_task(users):
    assert ActionStatus.VERIFIED not in dict(ActionItemForm(may_verify=False).fields["status"].choices)
    assert ActionStatus.VERIFIED in dict(ActionItemForm(may_verify=True).fields["status"].choices)


def test_task_page_shows_the_verify_button_to_verifiers_only(follow_up, users, client_for):
    follow_up.status, follow_up.completion_note = ActionStatus.DONE, "Đã cải tạo"
    follow_up.save()
    url = reverse("inspections:action_detail", args=[follow_up.pk])

    official = client_for(users["xa_xuantruong"]).get(url)
    assert official.context["can_answer"] and not official.context["can_verify"]
    assert 'name="verify"' not in official.content.decode()
    for username in ("totrt_thoxuan", "vpdp_thoxuan"):
        response = client_for(users[username]).get(url)
        assert response.context["can_verify"] and not response.context["can_answer"]
        assert 'name="verify"' in response.content.decode()


def test_a_verified_task_is_not_answered_again_by_the_commune(follow_up, users, client_for):
    follow_up.status = ActionStatus.VERIFIED
    follow_up.save()

    response = client_for(users["xa_xuantruong"]).post(
        reverse("inspections:action_detail", args=[follow_up.pk]), {"status": "in_progress"}
    )

    assert response.status_code == 400
    assert "Nhiệm vụ đã được xác nhận" in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.status == ActionStatus.VERIFIED
