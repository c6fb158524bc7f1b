#!/usr/bin/env bash
# Back up the portal: a pg_dump of the database and an archive of the media folder, side by side.
# Usage: scripts/backup.sh [DIR]   (reads DATABASE_URL and MEDIA_ROOT; default DIR var/backups/<timestamp>)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL must point at the PostgreSQL database to back up}"
media_root="${MEDIA_ROOT:-var/media}"
target="${1:-var/backups/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$target"
pg_dump --format=custom --no-owner --no-privileges --file="$target/database.dump" "$DATABASE_URL"
if [ -d "$media_root" ]; then
  tar -C "$media_root" -czf "$target/media.tar.gz" .
else
  tar -czf "$target/media.tar.gz" --files-from /dev/null
fi
( cd "$target" && sha256sum database.dump media.tar.gz > SHA256SUMS )
echo "$target"
