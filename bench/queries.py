"""SQL query counts, in-process server time and EXPLAIN plans of each benchmarked page.

    python bench/queries.py DATABASE PROVINCE_CODE OUTDIR [--period YYYY-M] [--drafts YYYY/M]

Runs each page through Django's test client in this process (one client, no network), 15 times:
prints the query count and the median / p95 of the server time, then EXPLAIN (ANALYZE, BUFFERS) of the
two slowest queries of each page into OUTDIR/explain.md. Production settings (DEBUG off).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

arguments = argparse.ArgumentParser()
arguments.add_argument("database")
arguments.add_argument("province")
arguments.add_argument("out")
arguments.add_argument("--period", default=time.strftime("%Y-") + str(int(time.strftime("%m"))))
arguments.add_argument("--drafts", default="2026/12")
arguments.add_argument("--runs", type=int, default=15)
args = arguments.parse_args()
harness.setup(args.database)

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from deploy.smoke_client import FormParser  # noqa: E402


def pages():
    f = harness.fixtures(args.province, args.drafts)
    district, province, commune, draft = f["district"], f["province"], f["commune"], f["draft"]
    period = f"?period={args.period}"
    yield "district overview", f["office"], "get", f"/dashboards/{district.code}/{period}"
    yield "criteria matrix", f["office"], "get", f"/dashboards/{district.code}/matrix/{period}"
    yield "commune page", f["office"], "get", f"/dashboards/commune/{commune.code}/"
    yield "province overview", f["province_office"], "get", f"/dashboards/{province.code}/{period}"
    yield "province roll-up", f["province_office"], "get", f"/dashboards/{province.code}/rollup/{period}"
    if draft:
        yield "report form GET", f["official"], "get", f"/reports/{draft.pk}/"
        yield "report form POST (save)", f["official"], "post", f"/reports/{draft.pk}/"
    yield "long export (district, CSV)", f["office"], "get", f"/dashboards/{district.code}/export/?format=csv"


def measure(client, method, url):
    """(status, milliseconds, captured queries) of one request. For a POST, the report page is read first
    (not measured) and one note is changed, so that every save really writes."""
    send = client.get
    if method == "post":
        page = FormParser(form_id="report-form")
        page.feed(client.get(url).content.decode())
        fields = dict(page.fields)
        fields[next(name for name in fields if name.startswith("note_"))] = f"Ghi chú {time.monotonic()}"
        url, send = page.action, lambda target: client.post(target, fields)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = send(url)
        if response.streaming:
            for _chunk in response.streaming_content:
                pass
        elapsed = time.perf_counter() - started
    return response.status_code, elapsed * 1000, queries


def main():
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = ["| page | status | queries | median ms | p95 ms | slowest query ms |", "|---|---:|---:|---:|---:|---:|"]
    explain = [f"# EXPLAIN (ANALYZE, BUFFERS) of the slowest queries, database {args.database}\n"]
    for name, user, method, url in pages():
        client = Client()
        client.force_login(user)
        timings = []
        for _run in range(args.runs):
            status, elapsed, captured = measure(client, method, url)
            timings.append(elapsed)
        timings.sort()
        slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:2]
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        table.append(
            f"| {name} | {status} | {len(captured)} | {statistics.median(timings):.1f} | {p95:.1f} "
            f"| {1000 * float(slowest[0]['time']) if slowest else 0:.1f} |"
        )
        print(table[-1], flush=True)
        explain.append(f"## {name}: `{url}`\n")
        for query in slowest:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            explain.append(f"```sql\n{sql}\n```\n```\n{plan}\n```\n")
    (out / "queries.md").write_text("\n".join(table) + "\n")
    (out / "explain.md").write_text("\n".join(explain))


if __name__ == "__main__":
    main()
