"""make backup / make restore: a database with the demo data comes back identical, files included."""

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
TABLES = [
    "reports_monthlyreport",
    "reports_indicatorstatus",
    "reports_reportevent",
    "meetings_meeting",
    "meetings_directive",
    "inspections_finding",
    "inspections_photo",
    "inspections_actionitem",
    "reports_historicalmonthlyreport",
    "reports_historicalindicatorstatus",
    "inspections_historicalfinding",
    "meetings_historicalmeeting",
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
        assert modes(backup) == PRIVATE

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


# The dump holds password hashes and sessions, the archive the private evidence: owner-only.
PRIVATE = {".": "0o700", "database.dump": "0o600", "media.tar.gz": "0o600", "SHA256SUMS": "0o600"}
FAKE_PG_DUMP = """#!/bin/sh
# Stands in for pg_dump: writes the database URL it was given (the last argument) into --file.
for arg; do case "$arg" in --file=*) file="${arg#--file=}";; esac; url="$arg"; done
echo "$url" > "$file"
"""


def modes(folder):
    folder = Path(folder)
    paths = {".": folder, **{p.name: p for p in folder.iterdir()}}
    return {name: oct(stat.S_IMODE(path.stat().st_mode)) for name, path in paths.items()}


@pytest.fixture
def scripts_copy(tmp_path):
    """The backup script in a scratch checkout (it reads .env from its parent folder), with a fake pg_dump."""
    app = tmp_path / "app"
    (app / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "backup.sh", app / "scripts" / "backup.sh")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pg_dump").write_text(FAKE_PG_DUMP)
    (bin_dir / "pg_dump").chmod(0o755)
    media = tmp_path / "media"
    (media / "private").mkdir(parents=True)
    (media / "private" / "evidence.pdf").write_bytes(b"%PDF-1.7 evidence")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MEDIA_ROOT")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    return app, media, env


def test_backup_files_are_readable_by_their_owner_only(scripts_copy, tmp_path):
    app, media, env = scripts_copy
    env.update(DATABASE_URL="postgres://ntm@/ntm", MEDIA_ROOT=str(media))
    target = tmp_path / "backups" / "today"
    # Under the usual umask 022, files come out 644 unless the script sees to it.
    backup = run(["sh", "-c", 'umask 022 && exec "$@"', "sh", app / "scripts" / "backup.sh", target], env).split()[-1]
    assert modes(backup) == PRIVATE
    assert modes(tmp_path / "backups")["."] == "0o700"


def test_backup_into_an_existing_open_folder_closes_it(scripts_copy, tmp_path):
    app, media, env = scripts_copy
    env.update(DATABASE_URL="postgres://ntm@/ntm", MEDIA_ROOT=str(media))
    target = tmp_path / "shared"
    target.mkdir(mode=0o755)
    target.chmod(0o755)
    run([str(app / "scripts" / "backup.sh"), str(target)], env)
    assert modes(target) == PRIVATE


def test_backup_reads_dot_env_but_the_environment_wins(scripts_copy, tmp_path):
    app, media, env = scripts_copy
    (app / ".env").write_text(
        'DEFAULT_FROM_EMAIL="Cổng NTM <ntm@example.gov.vn>"\n'
        "DATABASE_URL=postgres://ntm@/from_dot_env\n"
        f"MEDIA_ROOT={media}\n"
    )
    backup = Path(run([str(app / "scripts" / "backup.sh"), str(tmp_path / "one")], env).split()[-1])
    assert (backup / "database.dump").read_text().strip() == "postgres://ntm@/from_dot_env"
    assert subprocess.run(["tar", "-tzf", backup / "media.tar.gz"], capture_output=True, text=True).stdout.count(
        "evidence.pdf"
    )

    env["DATABASE_URL"] = "postgres://ntm@/from_environment"
    backup = Path(run([str(app / "scripts" / "backup.sh"), str(tmp_path / "two")], env).split()[-1])
    assert (backup / "database.dump").read_text().strip() == "postgres://ntm@/from_environment"
