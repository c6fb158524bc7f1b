"""People pages: an office adds, changes, ends and locks the roles and accounts of its own units only,
and every change is recorded."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from communes import access
from communes.models import Membership, Role
from core import outbox
from ntm_portal.demo import make_member
from office import people as service
from office.models import AccountChange, ChangeKind

TODAY = datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.timezone(datetime.timedelta(hours=7)))


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def _add_form(unit, **fields):
    return {
        "username": "xa_an_moi",
        "last_name": "Trần Văn",
        "first_name": "Bình",
        "email": "binh@example.org",
        "phone": "0912 345 678",
        "role": Role.COMMUNE_OFFICIAL,
        "unit": unit.pk,
        "department": "",
        "position": "Công chức Văn phòng - Thống kê",
        "valid_from": "01/12/2026",
        **fields,
    }


def test_an_office_adds_a_commune_official_who_sets_a_password_by_the_mailed_link(
    people, tree, client_for, django_capture_on_commit_callbacks
):
    client = client_for(people["office"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("office:person_add"), _add_form(tree["a"]))
    person = get_user_model().objects.get(username="xa_an_moi")
    assert response.status_code == 302 and response["Location"] == reverse("office:person_detail", args=[person.pk])
    assert not person.has_usable_password() and person.is_active and person.profile.phone == "0912 345 678"
    membership = Membership.objects.get(user=person)
    assert (membership.unit, membership.role, membership.valid_from) == (
        tree["a"],
        Role.COMMUNE_OFFICIAL,
        datetime.date(2026, 12, 1),
    )
    kinds = list(AccountChange.objects.filter(person=person).order_by("pk").values_list("kind", "actor"))
    office_id = people["office"].pk
    assert kinds == [
        (ChangeKind.CREATED, office_id),
        (ChangeKind.ROLE_GRANTED, office_id),
        (ChangeKind.LINK_SENT, office_id),
    ]
    assert AccountChange.objects.get(person=person, kind=ChangeKind.LINK_SENT).mailed_at is not None

    [message] = mail.outbox
    assert message.to == ["binh@example.org"] and "xa_an_moi" in message.body
    link = re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)
    path = link.split("//", 1)[1].split("/", 1)[1]
    client.logout()
    page = client.get("/" + path, follow=True)
    assert page.status_code == 200 and 'name="new_password1"' in page.content.decode()
    done = client.post(
        page.redirect_chain[-1][0], {"new_password1": "Xuan-Truong-2026!", "new_password2": "Xuan-Truong-2026!"}
    )
    assert done.status_code == 302
    assert client.login(username="xa_an_moi", password="Xuan-Truong-2026!")


def test_the_person_page_tells_the_history_in_words(people, tree, client_for):
    office = people["office"]
    created = _create(office, tree["a"])
    membership = Membership.objects.get(user=created)
    data = {**service.role_values(membership), "valid_until": datetime.date(2026, 12, 31)}
    service.role_update(actor=office, membership=membership, data=data, seen=_seen(membership))
    body = client_for(office).get(reverse("office:person_detail", args=[created.pk])).content.decode()
    assert "Kết thúc vai trò" in body and "Hiệu lực đến: — → 31/12/2026" in body
    assert "Giao vai trò" in body and "Cán bộ xã tại Xã An" in body
    assert "valid_until" not in body and "None" not in body and "2026-12-31" not in body


def _create(office, unit, **fields):
    return service.person_create(
        actor=office,
        username=fields.pop("username", "nguoi_moi"),
        first_name="Bình",
        last_name="Trần Văn",
        email=fields.pop("email", "nguoi.moi@example.org"),
        unit=unit,
        role=fields.pop("role", Role.COMMUNE_OFFICIAL),
        valid_from=datetime.date(2026, 12, 1),
        **fields,
    )


def _seen(membership):
    return service.fingerprint(service.role_values(membership))


@pytest.mark.parametrize(
    ("who", "unit", "role"),
    [
        ("office", "province", Role.OFFICE),  # above the district office
        ("office", "district", Role.OFFICE),  # its own level, with a province office above it
        ("office", "c", Role.COMMUNE_OFFICIAL),  # another district's commune
        ("other_office", "a", Role.COMMUNE_OFFICIAL),
        ("office", "district", Role.LEADER),
    ],
)
def test_an_office_never_grants_a_role_outside_its_reach_or_at_its_level_or_above(
    people, tree, client_for, who, unit, role
):
    client = client_for(people[who])
    response = client.post(reverse("office:person_add"), _add_form(tree[unit], role=role))
    assert response.status_code == 400
    assert not get_user_model().objects.filter(username="xa_an_moi").exists()
    assert not AccountChange.objects.exists()
    assert not access.may_grant_at(people[who], tree[unit])


def test_a_commune_office_grants_only_at_its_commune_when_nobody_above_coordinates(tree, db):
    commune_office = make_member("vp_xa_an", Role.OFFICE, tree["a"])
    assert not access.may_grant_at(commune_office, tree["district"])
    assert not access.may_grant_at(commune_office, tree["b"])
    assert access.may_grant_at(commune_office, tree["a"])  # no office above Xã An in this tree
    make_member("vp_huyen", Role.OFFICE, tree["district"])
    commune_office._ntm_memberships = None  # a new request
    assert not access.may_grant_at(commune_office, tree["a"])


def test_the_top_office_of_a_province_grants_at_the_province(people, tree):
    assert access.may_grant_at(people["province_office"], tree["province"])
    assert access.may_grant_at(people["province_office"], tree["district"])


def test_an_office_sees_only_people_holding_roles_at_its_units(people, tree, client_for):
    body = client_for(people["office"]).get(reverse("office:person_list")).content.decode()
    for username in ("official_a", "official_b", "inspector", "department", "leader"):
        assert username in body
    for username in ("other_office", "province_office", "outsider"):
        assert username not in body
    client = client_for(people["other_office"])
    assert client.get(reverse("office:person_detail", args=[people["official_a"].pk])).status_code == 404
    assert client.get(reverse("office:person_detail", args=[people["province_office"].pk])).status_code == 404


def test_the_list_filters_by_unit_and_role(people, tree, client_for):
    client = client_for(people["office"])
    body = client.get(reverse("office:person_list"), {"unit": "T101"}).content.decode()
    assert "official_b" in body and "official_a" not in body
    body = client.get(reverse("office:person_list"), {"role": Role.INSPECTOR}).content.decode()
    assert "inspector" in body and "official_a" not in body
    response = client.get(reverse("office:person_list"), {"unit": "T200"})  # the other district's commune
    assert "official_a" not in response.content.decode() and "Không có đơn vị mã này" in response.content.decode()


@pytest.mark.parametrize("who", ["official_a", "inspector", "department", "leader", "outsider"])
def test_only_offices_manage_people(people, client_for, who):
    client = client_for(people[who])
    assert client.get(reverse("office:person_list")).status_code == 403
    assert client.get(reverse("office:person_add")).status_code == 403
    assert client.get(reverse("office:home")).status_code == 403


def test_ending_a_role_is_recorded_and_the_person_then_only_reads(people, tree, client_for):
    official = people["official_a"]
    membership = official.memberships.get()
    client = client_for(people["office"])
    url = reverse("office:role_edit", args=[official.pk, membership.pk])
    response = client.post(
        url,
        {"position": "", "department": "", "valid_from": "", "valid_until": "30/11/2026", "seen": _seen(membership)},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.valid_until == datetime.date(2026, 11, 30)
    change = AccountChange.objects.get(person=official)
    assert (change.kind, change.actor, change.unit) == (ChangeKind.ROLE_ENDED, people["office"], tree["a"])
    official = get_user_model().objects.get(pk=official.pk)
    assert access.can(official, "unit.view", tree["a"]) and not access.can(official, "report.edit", tree["a"])
    assert membership.history.latest().history_user == people["office"]


def test_a_stale_form_is_refused_and_nothing_is_overwritten(people, client_for):
    official = people["official_a"]
    membership = official.memberships.get()
    stale = _seen(membership)
    Membership.objects.filter(pk=membership.pk).update(position="Phó Chủ tịch UBND xã")  # somebody else saved
    client = client_for(people["office"])
    url = reverse("office:role_edit", args=[official.pk, membership.pk])
    response = client.post(url, {"position": "Công chức", "valid_from": "", "valid_until": "", "seen": stale})
    assert response.status_code == 409 and "vừa được người khác sửa" in response.content.decode()
    membership.refresh_from_db()
    assert membership.position == "Phó Chủ tịch UBND xã" and not AccountChange.objects.exists()


def test_locking_an_account_is_recorded_and_never_ones_own(people, client_for):
    client = client_for(people["office"])
    official = people["official_a"]
    assert client.post(reverse("office:person_active", args=[official.pk]), {"active": "0"}).status_code == 302
    official.refresh_from_db()
    assert not official.is_active
    assert AccountChange.objects.get(person=official).kind == ChangeKind.DEACTIVATED
    response = client.post(reverse("office:person_active", args=[people["office"].pk]), {"active": "0"})
    assert response.status_code == 403
    people["office"].refresh_from_db()
    assert people["office"].is_active


def test_an_account_with_roles_elsewhere_is_not_the_offices_to_change(people, tree, client_for):
    """A person who is also the province's office: the district office sees their role at its commune
    only, and may not change the account (a changed email would receive their password link)."""
    official = people["official_a"]
    Membership.objects.create(user=official, unit=tree["province"], role=Role.LEADER)
    client = client_for(people["office"])
    page = client.get(reverse("office:person_detail", args=[official.pk])).content.decode()
    assert "Xã An" in page and "Tỉnh Thử Nghiệm" not in page and "do văn phòng khác quản lý" in page
    response = client.post(
        reverse("office:person_edit", args=[official.pk]),
        {"last_name": "X", "first_name": "Y", "email": "ke.gian@example.org", "seen": people_fingerprint(official)},
    )
    assert response.status_code == 400
    official.refresh_from_db()
    assert official.email != "ke.gian@example.org"
    assert client.post(reverse("office:person_send_link", args=[official.pk])).status_code == 302
    assert not AccountChange.objects.filter(kind=ChangeKind.LINK_SENT).exists()


def people_fingerprint(person):
    return service.fingerprint(service.person_values(person))


def test_a_new_link_is_queued_through_the_outbox(people, client_for, django_capture_on_commit_callbacks):
    official = people["official_a"]
    official.email = "an@example.org"
    official.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(people["office"]).post(reverse("office:person_send_link", args=[official.pk]))
    assert response.status_code == 302
    change = AccountChange.objects.get(person=official, kind=ChangeKind.LINK_SENT)
    assert change.mailed_at is not None and len(mail.outbox) == 1
    # Run twice (a redelivered message): nothing more is sent.
    from office.tasks import send_set_password_link

    assert send_set_password_link(change.pk) == "already sent" and len(mail.outbox) == 1
    assert not outbox.STILL_TO_DO[send_set_password_link.name]([change.pk]).exists()


def test_people_whose_roles_ended_are_listed_only_on_request(people, client_for):
    Membership.objects.filter(user=people["official_b"]).update(valid_until=datetime.date(2026, 6, 30))
    client = client_for(people["office"])
    assert "official_b" not in client.get(reverse("office:person_list")).content.decode()
    body = client.get(reverse("office:person_list"), {"ended": "1"}).content.decode()
    assert "official_b" in body and "đến 30/06/2026" in body


def test_the_province_office_reads_how_xa_tho_xuan_got_its_official(demo_reform, client_for):
    """The demo after the reform: the province office's people page tells who gave the role, and when."""
    users = get_user_model().objects.in_bulk(["vpdp_thanhhoa", "xa_thoxuan"], field_name="username")
    client = client_for(users["vpdp_thanhhoa"])
    body = client.get(reverse("office:person_detail", args=[users["xa_thoxuan"].pk])).content.decode()
    assert "Giao vai trò" in body and "Cán bộ xã tại Xã Thọ Xuân; từ 01/07/2025" in body
    assert "08:00 01/07/2025 · Lê Anh Tuấn" in body
    assert access.may_grant_at(users["vpdp_thanhhoa"], users["xa_thoxuan"].memberships.get().unit)
