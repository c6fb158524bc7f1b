import pytest

from ntm_portal.demo import DEMO_PASSWORD
from ntm_portal.tests.test_seed_demo import DEMO_LOGINS


def test_login_page_is_vietnamese(db, client):
    body = client.get("/accounts/login/").content.decode()
    assert '<html lang="vi">' in body
    assert "Đăng nhập" in body and "Quên mật khẩu?" in body


def test_anonymous_home_redirects_to_login(db, client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/"


@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_every_demo_user_logs_in_and_sees_a_home_page(demo, client, username):
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.context["user"].username == username
    body = response.content.decode()
    assert "Xin chào" in body
    assert "Bộ tiêu chí áp dụng cho địa bàn của bạn" in body and "minh họa" in body  # the footer names their set
    for page in ("/units/", "/criteria/", "/criteria/minh-hoa-nang-cao-15-41/", "/accounts/password_change/"):
        assert client.get(page).status_code == 200, page


def test_wrong_password_gets_a_vietnamese_error(demo, client):
    response = client.post("/accounts/login/", {"username": "xa_xuantruong", "password": "sai"})
    assert response.status_code == 200
    assert "mật khẩu chính xác" in response.content.decode()


def test_office_home_lists_its_communes(demo, client):
    client.login(username="vpdp_thoxuan", password=DEMO_PASSWORD)
    body = client.get("/").content.decode()
    assert "Xã Xuân Trường" in body and "Xã Xuân Hòa" in body and "Thị trấn Lam Sơn" in body
    assert "Xã Hoằng Hóa" not in body


def test_commune_home_shows_only_its_commune(demo, client):
    client.login(username="xa_xuantruong", password=DEMO_PASSWORD)
    body = client.get("/").content.decode()
    assert "Xã Xuân Trường" in body and "Vùng 2" in body
    assert "Xã Xuân Hòa" not in body


def test_department_home_lists_its_criteria(demo, client):
    client.login(username="phong_ythoxuan", password=DEMO_PASSWORD)
    body = client.get("/").content.decode()
    assert "13. Y tế" in body or "Y tế" in body
    assert "Tỷ lệ người dân tham gia bảo hiểm y tế" in body


def test_user_without_membership_gets_a_clear_page(people, client_for):
    body = client_for(people["outsider"]).get("/").content.decode()
    assert "Tài khoản chưa được phân quyền" in body


def test_criteria_set_page_shows_targets_per_zone(demo, client):
    client.login(username="xa_xuanhoa", password=DEMO_PASSWORD)
    body = client.get("/criteria/minh-hoa-nang-cao-15-41/").content.decode()
    assert "Vùng 1" in body and "Vùng 2" in body
    assert "≥ 95%" in body
    assert "chưa được đối chiếu" in body
    assert client.get("/criteria/khong-co/").status_code == 404


def test_english_is_available(demo, client):
    client.login(username="vpdp_thoxuan", password=DEMO_PASSWORD)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert "Communes in the area" in body


def test_logout_is_post_only(demo, client):
    client.login(username="vpdp_thoxuan", password=DEMO_PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_reset_sends_a_vietnamese_mail(demo, client, mailoutbox):
    response = client.post("/accounts/password_reset/", {"email": "xa_xuantruong@ntm-thoxuan.example"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "Đặt lại mật khẩu" in mailoutbox[0].subject
    assert "/accounts/reset/" in mailoutbox[0].body


def test_dates_are_shown_day_first(db):
    import datetime

    from django.utils import formats, translation

    for language in ("vi", "en"):
        with translation.override(language):
            assert formats.date_format(datetime.date(2021, 4, 25), "SHORT_DATE_FORMAT") == "25/04/2021"
            assert formats.date_format(datetime.date(2021, 4, 25)) == "25/04/2021"


def test_favicon_is_served(db, client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.ico")


def test_vietnamese_is_the_default_even_for_an_english_browser(db, client):
    body = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in body and "Đăng nhập" in body


def test_names_are_shown_family_name_first(demo, client):
    client.login(username="vpdp_thoxuan", password=DEMO_PASSWORD)
    assert "Nguyễn Thị Hà" in client.get("/").content.decode()


def test_repeated_failed_logins_lock_the_account(demo, client, settings):
    settings.AXES_ENABLED = True
    for _attempt in range(4):
        response = client.post("/accounts/login/", {"username": "xa_xuantruong", "password": "sai-mat-khau"})
        assert response.status_code == 200 and "mật khẩu chính xác" in response.content.decode()
    fifth = client.post("/accounts/login/", {"username": "xa_xuantruong", "password": "sai-mat-khau"})
    assert fifth.status_code == 429
    response = client.post("/accounts/login/", {"username": "xa_xuantruong", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert "Tài khoản tạm khóa" in response.content.decode()
    other = client.post("/accounts/login/", {"username": "xa_xuanhoa", "password": DEMO_PASSWORD})
    assert other.status_code == 302  # only that account is locked, not the office's whole network


def test_security_headers(demo, client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    assert "<script>" not in body and " onclick=" not in body and "<style>" not in body


def test_production_cookies_are_secure_http_only_and_same_site():
    from ntm_portal.tests.test_settings import PRODUCTION, manage

    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.DEBUG)",
        env_overrides=PRODUCTION,
    )
    assert result.stdout.split() == ["True", "True", "True", "True", "Lax", "False"], result.stderr
