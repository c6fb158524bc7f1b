"""Turn locust's CSV files of one bench/run.sh output folder into a Markdown table (printed, and
written to OUTDIR/results.md).

    python bench/report.py OUTDIR
"""

import csv
import re
import sys
from pathlib import Path

ORDER = ["overview", "matrix", "commune", "rollup", "form_get", "form_post", "submit", "export"]


def _cpu(path, requests):
    """(server CPU ms per request of the run, load generator CPU s) from run.sh's side files."""
    server = path.with_name(path.name.replace("_stats.csv", ".server-cpu"))
    client = path.with_name(path.name.replace("_stats.csv", ".client-cpu"))
    per_request = ""
    if server.exists() and requests:
        before, after = (float(v) for v in server.read_text().split())
        per_request = f"{1000 * (after - before) / requests:.0f}"
    client_s = ""
    if client.exists():
        numbers = client.read_text().split()[-2:]
        client_s = f"{sum(float(v) for v in numbers):.0f}"
    return per_request, client_s


def rows(folder):
    for path in Path(folder).glob("*_stats.csv"):
        match = re.fullmatch(r"(?P<scenario>\w+)-(?P<users>\d+)_stats\.csv", path.name)
        if not match:
            continue
        with path.open() as handle:
            lines = list(csv.DictReader(handle))
        total = sum(int(line["Request Count"]) for line in lines if line["Name"] == "Aggregated")
        cpu = _cpu(path, total)
        for line in lines:
            if line["Name"] in ("Aggregated", "home (csrf cookie)") or not int(line["Request Count"]):
                continue
            yield (
                ORDER.index(match["scenario"]) if match["scenario"] in ORDER else 99,
                int(match["users"]),
                line["Name"],
                line,
                cpu,
            )


def table(folder):
    lines = [
        "| scenario | request | clients | requests | failures | req/s | p50 ms | p95 ms | p99 ms | max ms "
        "| server CPU ms/req | locust CPU s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for order, users, name, line, (server_ms, client_s) in sorted(rows(folder), key=lambda r: (r[0], r[2], r[1])):
        scenario = ORDER[order] if order < len(ORDER) else "?"
        lines.append(
            f"| {scenario} | {name} | {users} | {line['Request Count']} | {line['Failure Count']} "
            f"| {float(line['Requests/s']):.1f} | {line['50%']} | {line['95%']} | {line['99%']} "
            f"| {float(line['Max Response Time']):.0f} | {server_ms} | {client_s} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    folder = sys.argv[1]
    text = table(folder)
    Path(folder, "results.md").write_text(text + "\n")
    print(text)
