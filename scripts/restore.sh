#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and media folder.
# Usage: scripts/restore.sh DIR
# DATABASE_URL and MEDIA_ROOT come from the environment or, as the settings read them, from .env
# (a variable already set in the environment wins).
set -euo pipefail
cd "$(dirname "$0")/.."
source_dir="${1:?usage: scripts/restore.sh BACKUP_DIR}"
if [ -f .env ]; then
  from_environment_database_url="${DATABASE_URL-}" from_environment_media_root="${MEDIA_ROOT-}"
  set -a; . ./.env; set +a
  DATABASE_URL="${from_environment_database_url:-${DATABASE_URL-}}"
  MEDIA_ROOT="${from_environment_media_root:-${MEDIA_ROOT-}}"
fi
: "${DATABASE_URL:?DATABASE_URL must point at the (empty) database to restore into}"
media_root="${MEDIA_ROOT:-var/media}"
( cd "$source_dir" && sha256sum --check --quiet SHA256SUMS )
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" "$source_dir/database.dump"
mkdir -p "$media_root"
tar -C "$media_root" -xzf "$source_dir/media.tar.gz"
echo "restored $source_dir"
