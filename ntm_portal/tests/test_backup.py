"""make backup / make restore: a database with the demo data comes back identical, files included."""

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

from conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
TABLES = [
    "reports_monthlyreport",
    "reports_indicatorstatus",
    "reports_reportevent",
    "reports_meeting",
    "reports_directive",
    "inspections_finding",
    "inspections_photo",
    "inspections_actionitem",
    "reports_historicalmonthlyreport",
    "reports_historicalindicatorstatus",
    "inspections_historicalfinding",
    "reports_historicalmeeting",
    "auth_user",
    "communes_administrativeunit",
]


def run(args, env):
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def fingerprint(url, table):
    query = f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table} t"
    return subprocess.run(["psql", url, "-tAc", query], capture_output=True, text=True, check=True).stdout.strip()


def files_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_backup_and_restore_round_trip(tmp_path):
    base = os.environ.get("DATABASE_URL", "")
    require_service("PostgreSQL (DATABASE_URL) for pg_dump/pg_restore", base.startswith("postgres"))
    server = urlparse(base)
    suffix = uuid.uuid4().hex[:8]
    source, target = f"ntm_backup_src_{suffix}", f"ntm_backup_dst_{suffix}"
    admin = base.replace(server.path, "/postgres")
    source_url, target_url = base.replace(server.path, f"/{source}"), base.replace(server.path, f"/{target}")
    for name in (source, target):
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    try:
        env = {
            **os.environ,
            "DATABASE_URL": source_url,
            "MEDIA_ROOT": str(tmp_path / "media-src"),
            "DEBUG": "1",
            "CELERY_BROKER_URL": "",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
        run([sys.executable, "manage.py", "seed_demo"], env)
        backup = run(["scripts/backup.sh", str(tmp_path / "backup")], env).strip().splitlines()[-1]
        assert (Path(backup) / "database.dump").stat().st_size > 0

        restore_env = {**env, "DATABASE_URL": target_url, "MEDIA_ROOT": str(tmp_path / "media-dst")}
        run(["scripts/restore.sh", backup], restore_env)

        for table in TABLES:
            before, after = fingerprint(source_url, table), fingerprint(target_url, table)
            assert before == after, table
            assert not before.startswith("0:"), f"{table} is empty: the demo should fill it"
        assert files_digest(tmp_path / "media-src") == files_digest(tmp_path / "media-dst")
        minutes = list((tmp_path / "media-dst" / "private" / "minutes").glob("*.pdf"))
        assert minutes and minutes[0].read_bytes()[:5] == b"%PDF-"
    finally:
        for name in (source, target):
            subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)
