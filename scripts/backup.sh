#!/usr/bin/env bash
# Back up the portal: a pg_dump of the database and an archive of the media folder, side by side.
# Usage: scripts/backup.sh [DIR]   (default DIR var/backups/<timestamp>)
# DATABASE_URL and MEDIA_ROOT come from the environment or, as the settings read them, from .env
# (a variable already set in the environment wins).
# The dump holds password hashes and sessions, the archive private evidence: both are written readable
# by their owner only (files 600 in a folder 700).
set -euo pipefail
umask 077
cd "$(dirname "$0")/.."
if [ -f .env ]; then
  from_environment_database_url="${DATABASE_URL-}" from_environment_media_root="${MEDIA_ROOT-}"
  set -a; . ./.env; set +a
  DATABASE_URL="${from_environment_database_url:-${DATABASE_URL-}}"
  MEDIA_ROOT="${from_environment_media_root:-${MEDIA_ROOT-}}"
fi
: "${DATABASE_URL:?DATABASE_URL must point at the PostgreSQL database to back up}"
media_root="${MEDIA_ROOT:-var/media}"
target="${1:-var/backups/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$target"
chmod 700 "$target"  # also when the folder existed already
pg_dump --format=custom --no-owner --no-privileges --file="$target/database.dump" "$DATABASE_URL"
if [ -d "$media_root" ]; then
  tar -C "$media_root" -czf "$target/media.tar.gz" .
else
  tar -czf "$target/media.tar.gz" --files-from /dev/null
fi
( cd "$target" && sha256sum database.dump media.tar.gz > SHA256SUMS )
chmod 600 "$target/database.dump" "$target/media.tar.gz" "$target/SHA256SUMS"
echo "$target"
