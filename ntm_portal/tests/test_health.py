import json
import os

import pytest
from django.db import connection

from conftest import REQUIRE_SERVICES, require_service


def test_healthz_reports_database_and_eager_broker(db, client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["status"] == "ok"
    assert data["database"] == {"ok": True, "vendor": connection.vendor}
    assert data["broker"]["mode"] == "eager"


def test_healthz_is_503_when_the_broker_is_down(db, client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    data = json.loads(response.content)
    assert data["status"] == "error" and data["broker"]["ok"] is False


def test_healthz_reaches_the_real_broker(db, client, settings):
    url = os.environ.get("CELERY_BROKER_URL", "")
    require_service("Redis broker (CELERY_BROKER_URL)", url.startswith("redis://"))
    settings.CELERY_BROKER_URL = url
    data = json.loads(client.get("/healthz").content)
    assert data["broker"] == {"ok": True, "mode": "broker"}


def test_suite_runs_on_postgresql_when_required(db):
    require_service("PostgreSQL (DATABASE_URL)", os.environ.get("DATABASE_URL", "").startswith("postgres"))
    assert connection.vendor == "postgresql"


@pytest.mark.skipif(not REQUIRE_SERVICES, reason="only meaningful when CI demands the services")
def test_ci_configures_both_services():
    assert os.environ["DATABASE_URL"].startswith("postgres")
    assert os.environ["CELERY_BROKER_URL"].startswith("redis://")
