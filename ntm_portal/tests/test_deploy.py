"""What docs/DEPLOY.md promises with the production settings: the health probe on gunicorn's own
address, password-reset links to SITE_URL whatever the Host header, env files the shell can load."""

import json
import re
import subprocess
from pathlib import Path

import pytest

from ntm_portal.tests.test_settings import PRODUCTION, manage

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["ntm.example.gov.vn"]
    settings.SECURE_SSL_REDIRECT = True
    settings.CELERY_BROKER_URL = ""


def test_healthz_answers_the_probe_on_gunicorns_address(db, client, production):
    # What monitoring runs on the machine: curl -fsS http://127.0.0.1:8000/healthz
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["status"] == "ok"


def test_healthz_probe_still_says_503_when_a_dependency_is_down(db, client, production, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 503 and json.loads(response.content)["status"] == "error"


def test_other_pages_keep_host_validation_and_the_https_redirect(db, client, production):
    assert client.get("/accounts/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get("/healthz/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    response = client.get("/accounts/login/", HTTP_HOST="ntm.example.gov.vn")
    assert response.status_code == 301 and response["Location"] == "https://ntm.example.gov.vn/accounts/login/"
    assert client.post("/healthz", HTTP_HOST="127.0.0.1:8000").status_code == 405


def test_password_reset_link_points_at_site_url_whatever_the_host(demo, client, settings, mailoutbox):
    settings.ALLOWED_HOSTS = ["*"]  # even where the Host header is not checked
    settings.SITE_URL = "https://ntm.example.gov.vn"
    response = client.post(
        "/accounts/password_reset/", {"email": "xa_xuantruong@ntm-thoxuan.example"}, HTTP_HOST="evil.example"
    )
    assert response.status_code == 302
    [mail] = mailoutbox
    assert "evil.example" not in mail.body
    links = re.findall(r"\S+/accounts/reset/\S+", mail.body)
    assert len(links) == 1 and links[0].startswith("https://ntm.example.gov.vn/accounts/reset/")


def env_examples():
    """Every env-file example the repository ships: .env.example, and in the guide the production value
    of each variable of its table and the `KEY=value` lines of its code blocks."""
    yield ".env.example", (ROOT / ".env.example").read_text(encoding="utf-8")
    guide = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
    table = [f"{name}={value}" for name, value in re.findall(r"^\| `([A-Z_]+)` \|[^|]*\| `([^`]*)`", guide, re.M)]
    blocks = re.findall(r"```[a-z]*\n(.*?)```", guide, flags=re.S)
    assignments = [line for b in blocks for line in b.splitlines() if re.match(r"#? ?[A-Z_]+=", line)]
    yield "docs/DEPLOY.md", "\n".join(table + assignments)


@pytest.mark.parametrize(("name", "text"), list(env_examples()))
def test_env_examples_survive_set_a_dot(name, text, tmp_path):
    """`set -a; . ntm.env` must set every variable: one unquoted `<` or space silently drops the rest."""
    lines = [re.sub(r"^# ?", "", line) for line in text.splitlines() if re.match(r"#? ?[A-Z_]+=", line)]
    assert lines, name
    env_file = tmp_path / "ntm.env"
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    names = [line.split("=", 1)[0] for line in lines]
    script = f'set -a; . "{env_file}" || exit 1; set +a; ' + "; ".join(f'echo "{n}=${{{n}+set}}"' for n in names)
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, (name, result.stderr)
    assert result.stdout.split() == [f"{n}=set" for n in names], (name, result.stderr)


def test_a_single_machine_without_tls_passes_check_deploy_as_documented():
    guide = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
    silenced = re.search(r"`SILENCED_SYSTEM_CHECKS=([\w.,]+)`", guide).group(1)
    plain_http = {"SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0"}
    for name in plain_http:
        assert f"`{name}=0`" in guide
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={**PRODUCTION, **plain_http, "SILENCED_SYSTEM_CHECKS": silenced},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)",
        env_overrides={**PRODUCTION, **plain_http},
    )
    assert result.stdout.split() == ["False", "False", "False"], result.stderr
