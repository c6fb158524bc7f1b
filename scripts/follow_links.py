"""Follow every link a demo user is shown, from their home page, and list the ones that do not open.

    DATABASE_URL=sqlite:///var/ntm_portal.sqlite3 .venv/bin/python scripts/follow_links.py \
        [--at 2021-05-03T09:00:00+07:00] [--limit 500] [--lang en] [username ...]

On the database `make setup` fills (the demo), with Django's test client (no server), the clock at `--at`
(default: now). Same-site GET links only, breadth first, up to `--limit` pages per user; the logout, the
admin, static and media files are left out. Prints, per user, the pages visited by status, then each link
that answered 400 or more (with the page that showed it) and each page that leaked template syntax or the
cache's CSRF placeholder. Exits 1 when it found any.
"""

import argparse
import collections
import datetime
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm_portal.settings")

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

DEMO_USERS = [
    "vpdp_thoxuan",
    "xa_xuantruong",
    "xa_xuanhoa",
    "totrt_thoxuan",
    "lanhdao_thoxuan",
    "phong_ythoxuan",
    "vpdp_thanhhoa",
    "xa_thoxuan",
]
LEFT_OUT = re.compile(r"^/(accounts/logout|static/|media/|i18n/|admin/)")
LINK = re.compile(r'href="(/[^"#]*)')
LEAKS = ("{{", "{%", "ntm-csrf-token-placeholder")


def follow(client, limit):
    """{status: count}, [(link, status, page that showed it)], [(page, leak)]."""
    seen, queue, shown_on = set(), collections.deque(["/"]), {}
    statuses, broken, leaks = collections.Counter(), [], []
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        statuses[response.status_code] += 1
        if response.status_code >= 400:
            broken.append((url, response.status_code, shown_on.get(url)))
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        leaks += [(url, leak) for leak in LEAKS if leak in body]
        for link in LINK.findall(body):
            link = link.replace("&amp;", "&")
            if not LEFT_OUT.match(link) and link not in seen:
                shown_on.setdefault(link, url)
                queue.append(link)
    return statuses, broken, leaks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("users", nargs="*", default=DEMO_USERS)
    parser.add_argument("--at", type=datetime.datetime.fromisoformat, default=None)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--lang", default="")
    args = parser.parse_args()
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    found = 0
    with time_machine.travel(args.at or datetime.datetime.now(datetime.UTC), tick=True):
        for username in args.users:
            client = Client()
            client.force_login(get_user_model().objects.get(username=username))
            if args.lang:
                client.cookies[settings.LANGUAGE_COOKIE_NAME] = args.lang
            statuses, broken, leaks = follow(client, args.limit)
            print(f"{username}: {sum(statuses.values())} pages {dict(sorted(statuses.items()))}", flush=True)
            for link, status, page in broken:
                print(f"  {status} {link}  (linked from {page})")
            for page, leak in leaks:
                print(f"  leak {leak!r} on {page}")
            found += len(broken) + len(leaks)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
