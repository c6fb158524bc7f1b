import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from communes import access


def codes(units):
    return sorted(u.code for u in units)


def test_commune_official_sees_only_their_commune(people, tree):
    assert codes(access.units_visible_to(people["official_a"])) == ["T100"]
    assert codes(access.communes_visible_to(people["official_a"])) == ["T100"]


def test_district_office_sees_its_district_and_every_commune_below(people):
    assert codes(access.units_visible_to(people["office"])) == ["T10", "T100", "T101"]
    assert codes(access.communes_visible_to(people["office"])) == ["T100", "T101"]


def test_province_office_reaches_communes_of_every_district(people):
    assert codes(access.communes_visible_to(people["province_office"])) == ["T100", "T101", "T200"]


def test_outsider_and_anonymous_see_nothing(people):
    from django.contrib.auth.models import AnonymousUser

    assert codes(access.units_visible_to(people["outsider"])) == []
    assert codes(access.units_visible_to(AnonymousUser())) == []


def test_commune_parent_may_be_a_province(people, tree):
    """After the 2025 reform a commune hangs directly under a province: no level is hard-coded."""
    from communes.models import AdministrativeUnit, UnitLevel

    merged = AdministrativeUnit.objects.create(
        code="T300", name="Xã Mới", level=UnitLevel.COMMUNE, parent=tree["province"]
    )
    assert merged.path == "T1/T300/"
    assert "T300" in codes(access.communes_visible_to(people["province_office"]))
    assert "T300" not in codes(access.communes_visible_to(people["office"]))


def test_check_is_404_outside_reach_and_403_for_a_too_low_role(people, tree):
    with pytest.raises(Http404):
        access.check(people["official_a"], "unit.view", tree["b"])
    with pytest.raises(Http404):
        access.check(people["other_office"], "report.review", tree["a"])
    with pytest.raises(PermissionDenied):
        access.check(people["official_a"], "report.review", tree["a"])
    access.check(people["office"], "report.review", tree["a"])
    access.check(people["official_a"], "report.edit", tree["a"])


def test_roles_reach_down_not_up(people, tree):
    assert access.roles_at(people["office"], tree["a"]) == {"office"}
    assert access.roles_at(people["official_a"], tree["district"]) == set()


@pytest.mark.parametrize(
    ("who", "code", "status"),
    [
        ("official_a", "T100", 200),
        ("official_a", "T101", 404),
        ("official_a", "T10", 404),
        ("office", "T100", 200),
        ("office", "T101", 200),
        ("office", "T200", 404),
        ("other_office", "T100", 404),
        ("outsider", "T100", 404),
        ("province_office", "T200", 200),
        ("office", "NOPE", 404),
    ],
)
def test_unit_page_is_scoped(people, client_for, who, code, status):
    response = client_for(people[who]).get(f"/units/{code}/")
    assert response.status_code == status
    if status == 404:
        assert "Không tìm thấy trang" in response.content.decode()


def test_unit_list_shows_only_visible_units(people, client_for):
    body = client_for(people["official_a"]).get("/units/").content.decode()
    assert "Xã An" in body
    assert "Xã Bình" not in body and "Xã Cường" not in body


def test_anonymous_is_sent_to_login(db, client):
    response = client.get("/units/T100/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
