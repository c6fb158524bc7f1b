"""Load scenarios for the portal (run by bench/run.sh; see bench/README.md).

Each simulated client is a different person, signed in through a session prepared by bench/prepare.py,
and requests without think time (closed loop): N users = N requests in flight.

Environment: BENCH_SCENARIO (one of SCENARIOS), BENCH_SESSIONS (JSON from prepare.py),
BENCH_PERIOD ("2026-11"), BENCH_DRAFT_PERIOD ("2026/12", the month prepared with `prepare.py drafts`).
"""

import itertools
import json
import os
import random
import re
import sys
from pathlib import Path

from locust import HttpUser, between, constant, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from deploy.smoke_client import FormParser  # noqa: E402

SCENARIO = os.environ.get("BENCH_SCENARIO", "overview")
PERIOD = os.environ.get("BENCH_PERIOD", "")
DRAFT_PERIOD = os.environ.get("BENCH_DRAFT_PERIOD", "2026/12")
SESSIONS = json.loads(Path(os.environ.get("BENCH_SESSIONS", "var/bench/sessions.json")).read_text())
_numbers = itertools.count()


def _form(body):
    parser = FormParser(form_id="report-form")
    parser.feed(body)
    return parser.action, parser.fields


def _wait_time():
    """BENCH_WAIT="1-3": each client pauses 1 to 3 s between iterations (people reading and typing);
    unset: no pause, N clients keep N requests in flight (a saturation test)."""
    low, _sep, high = os.environ.get("BENCH_WAIT", "").partition("-")
    return between(float(low), float(high or low)) if low else constant(0)


class Client(HttpUser):
    wait_time = _wait_time()

    def on_start(self):
        self.number = next(_numbers)
        self.rng = random.Random(self.number)
        kind = {"rollup": "province", "export_province": "province"}.get(SCENARIO, "district")
        if SCENARIO in ("form_get", "form_post", "submit"):
            kind = "commune"
        people = SESSIONS[kind]
        self.me = people[self.number % len(people)]
        self.client.cookies.set("sessionid", self.me["session"])
        self.period = f"?period={PERIOD}" if PERIOD else ""
        if SCENARIO == "commune":
            self.communes = [c["unit"] for c in SESSIONS["commune"] if c["unit"].startswith(self.me["unit"])]
        if SCENARIO in ("form_get", "form_post"):
            self.page, self.action, self.fields = self._open_form(self.me["unit"], name="open the month's report")
        if SCENARIO == "submit":
            # this client submits communes number, number + users, number + 2 × users, ... once each
            self.queue = people[self.number :: self.environment.runner.target_user_count or 1]

    def _open_form(self, code, name):
        """POST "open this month's report" and follow the redirect to the form: (page URL, action, fields)."""
        response = self.client.post(
            f"/reports/open/{code}/{DRAFT_PERIOD}/",
            data={"csrfmiddlewaretoken": self._csrf()},
            name=name,
        )
        return (response.url, *_form(response.text))

    def _csrf(self):
        token = self.client.cookies.get("csrftoken")
        if token is None:
            self.client.get("/", name="home (csrf cookie)")
            token = self.client.cookies.get("csrftoken")
        return token

    @task
    def scenario(self):
        getattr(self, SCENARIO)()

    def overview(self):
        self.client.get(f"/dashboards/{self.me['unit']}/{self.period}", name="district overview")

    def matrix(self):
        self.client.get(f"/dashboards/{self.me['unit']}/matrix/{self.period}", name="criteria matrix")

    def commune(self):
        self.client.get(f"/dashboards/commune/{self.rng.choice(self.communes)}/", name="commune page")

    def rollup(self):
        self.client.get(f"/dashboards/{self.me['unit']}/rollup/{self.period}", name="province roll-up")

    def export(self):
        # the whole body is read before the time is taken (locust's stream=True would stop at the headers)
        self.client.get(f"/dashboards/{self.me['unit']}/export/?format=csv", name="long export (district, CSV)")

    def form_get(self):
        self.client.get(self.page, name="report form GET")

    def form_post(self):
        fields = dict(self.fields)
        note = next(name for name in fields if name.startswith("note_"))
        fields[note] = f"Ghi chú lần {self.rng.randint(1, 10**9)}"  # a real change: one row and its history
        with self.client.post(self.action, data=fields, name="report form POST (save)", allow_redirects=False,
                              catch_response=True) as response:  # fmt: skip
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                if response.status_code == 409:  # someone saved first: reopen the latest version, as a person would
                    self.page, self.action, self.fields = self._open_form(
                        self.me["unit"], name="open the month's report"
                    )
                return
        page = self.client.get(response.headers["Location"], name="report page after save")
        # the browser's next POST carries the new version; a regex keeps this client's CPU out of the way
        self.fields["version"] = re.search(r'name="version" value="(\d+)"', page.text).group(1)

    def submit(self):
        if not self.queue:
            self.stop()  # every draft of this client is submitted
            return
        code = self.queue.pop(0)["unit"]
        self.client.cookies.set("sessionid", next(c for c in SESSIONS["commune"] if c["unit"] == code)["session"])
        _page, action, fields = self._open_form(code, name="open the month's report")
        fields["submit"] = "1"
        with self.client.post(action, data=fields, name="report form POST (submit)", allow_redirects=False,
                              catch_response=True) as response:  # fmt: skip
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
