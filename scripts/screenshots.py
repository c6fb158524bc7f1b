"""`make screenshots`: pictures of the demo for the README (docs/screenshots/*.png).

Starts `manage.py runserver` on a free port over the `make setup` database, signs in as each role's demo
user with Playwright on Debian's Chromium (never `playwright install`), shoots the home pages and the
report form on a desktop and on a phone, and stops the server. The 2021 story is shown on the day after
April 2021's deadline (the server's clock is pinned there, ticking); the province office, which exists
only after the 2025 reform, on today's date.
"""

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "ntm-demo-2021"
STORY_NOW = "2021-05-03T09:00:00+07:00"
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
MAX_HEIGHT = 2000  # the top of long pages only: small files, and what a reader looks at first

# (clock, [(picture name, demo user, what to open)]); "report-form" opens this month's report.
SHOTS = [
    (
        STORY_NOW,
        [
            ("home-office", "vpdp_thoxuan", "/"),
            ("home-commune", "xa_xuantruong", "/"),
            ("home-inspector", "totrt_thoxuan", "/"),
            ("home-leader", "lanhdao_thoxuan", "/"),
            ("home-department", "phong_ythoxuan", "/"),
            ("report-form", "xa_xuantruong", "report-form"),
        ],
    ),
    (None, [("home-province-office", "vpdp_thanhhoa", "/")]),
]

# Runs the development server with the clock pinned (time_machine, a development requirement).
SERVER = """
import datetime, sys, time_machine
if sys.argv[1]:
    time_machine.travel(datetime.datetime.fromisoformat(sys.argv[1]), tick=True).start()
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "runserver", "--noreload", "--skip-checks", sys.argv[2]])
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(clock):
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ntm_portal.settings"}
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, clock or "", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base_url}/accounts/login/", timeout=2)
            return server, base_url
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                sys.exit("the development server did not start (has `make setup` run?)")
            time.sleep(0.3)


def stop_server(server):
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def open_report_form(page, base_url):
    """The commune's report for the month on its home page: opened (a draft, as the user would make it) or
    continued."""
    page.goto(f"{base_url}/")
    page.locator("main form[action*='/reports/open/'] button, main a.btn[href^='/reports/']").first.click()
    page.wait_for_load_state()


def shoot(browser, base_url, shots, out):
    for name, username, target in shots:
        for size, (width, height) in SIZES.items():
            context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
            page = context.new_page()
            page.goto(f"{base_url}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base_url}/")
            if target == "report-form":
                open_report_form(page, base_url)
            else:
                page.goto(base_url + target)
            full = page.evaluate("document.documentElement.scrollHeight")
            path = out / f"{name}-{size}.png"
            clip = {"x": 0, "y": 0, "width": width, "height": min(full, MAX_HEIGHT)}
            page.screenshot(path=str(path), full_page=True, clip=clip)
            print(path.relative_to(ROOT))
            context.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            for clock, shots in SHOTS:
                server, base_url = start_server(clock)
                try:
                    shoot(browser, base_url, shots, out)
                finally:
                    stop_server(server)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
