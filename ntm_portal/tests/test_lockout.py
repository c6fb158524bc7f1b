"""Failed logins lock a username for one client address, behind nginx as well as without a proxy.

nginx connects from 127.0.0.1 for every client and appends the client's address to X-Forwarded-For
(`$proxy_add_x_forwarded_for`); whatever a client sends in that header itself comes before it.
"""

import functools
import json

import pytest
from axes.helpers import IPWARE_INSTALLED

from ntm_portal.demo import DEMO_PASSWORD
from ntm_portal.tests.test_settings import PRODUCTION, manage

ATTACKER, USER = "203.0.113.9", "198.51.100.7"
CLIENT_ADDRESS_SETTINGS = [
    "AXES_IPWARE_PROXY_COUNT",
    "AXES_IPWARE_META_PRECEDENCE_ORDER",
    "IPWARE_STRICT",
    "AXES_LOCKOUT_PARAMETERS",
]


@functools.cache
def derived_settings(proxy_count):
    """The client-address settings exactly as the settings module derives them from AXES_PROXY_COUNT."""
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{name: getattr(s, name, None) for name in {CLIENT_ADDRESS_SETTINGS!r}}}))"
    )
    result = manage("shell", "-v", "0", "-c", code, env_overrides={**PRODUCTION, "AXES_PROXY_COUNT": str(proxy_count)})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def lockout(settings):
    def configure(proxy_count):
        settings.AXES_ENABLED = True
        for name, value in derived_settings(proxy_count).items():
            setattr(settings, name, tuple(value) if name == "AXES_IPWARE_META_PRECEDENCE_ORDER" else value)

    return configure


def through_nginx(client, address, password, sent_header=None):
    """A login as nginx passes it on: from 127.0.0.1, the client's address appended to the header."""
    forwarded = f"{sent_header}, {address}" if sent_header else address
    return client.post(
        "/accounts/login/",
        {"username": "vpdp_thoxuan", "password": password},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def direct(client, address, password, sent_header):
    return client.post(
        "/accounts/login/",
        {"username": "vpdp_thoxuan", "password": password},
        REMOTE_ADDR=address,
        HTTP_X_FORWARDED_FOR=sent_header,
    )


def test_behind_nginx_an_attacker_locks_only_his_own_address(demo, client, lockout):
    lockout(proxy_count=1)
    for _attempt in range(4):
        assert through_nginx(client, ATTACKER, "sai-mat-khau").status_code == 200
    assert through_nginx(client, ATTACKER, "sai-mat-khau").status_code == 429
    assert through_nginx(client, ATTACKER, DEMO_PASSWORD).status_code == 429
    # Forging the header does not get the attacker out: nginx's entry (the last) is the one read.
    assert through_nginx(client, ATTACKER, DEMO_PASSWORD, sent_header=USER).status_code == 429
    assert through_nginx(client, ATTACKER, DEMO_PASSWORD, sent_header="garbage, 10.0.0.1").status_code == 429

    real_user = through_nginx(client, USER, DEMO_PASSWORD)
    assert real_user.status_code == 302 and real_user["Location"] == "/"


def test_without_a_proxy_the_forwarded_header_is_ignored(demo, client, lockout):
    lockout(proxy_count=0)
    for attempt in range(4):
        assert direct(client, ATTACKER, "sai-mat-khau", sent_header=f"10.0.0.{attempt}").status_code == 200
    assert direct(client, ATTACKER, "sai-mat-khau", sent_header="10.0.0.4").status_code == 429
    # A new forged address each time changes nothing: the connection's address is the one read.
    assert direct(client, ATTACKER, DEMO_PASSWORD, sent_header=USER).status_code == 429

    assert direct(client, USER, DEMO_PASSWORD, sent_header=ATTACKER).status_code == 302


def test_the_lock_is_per_username_and_address():
    assert IPWARE_INSTALLED  # without django-ipware, django-axes reads REMOTE_ADDR whatever the settings say
    assert derived_settings(1)["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]
