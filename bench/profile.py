"""Where each measured page spends its time: cProfile over Django's test client, production settings.

    python bench/profile.py DATABASE PROVINCE_CODE OUT.md [--period YYYY-M] [--drafts YYYY/M] [--runs N]

Each page is requested once to warm up, then N times (20) under cProfile; with --first-view, every cache
is emptied before each request (the page is built, not taken from the page cache). OUT.md gets, per page, the
functions with the most time of their own (tottime) and the most time including callees (cumtime),
per request.
"""

import sys
from pathlib import Path

# This file's folder comes first on sys.path and its name hides the standard library's `profile` module,
# which cProfile imports: leave the folder out while importing it.
HERE = str(Path(__file__).resolve().parent)
sys.path = [p for p in sys.path if p != HERE]
import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402

sys.path.insert(0, HERE)
import harness  # noqa: E402

arguments = argparse.ArgumentParser()
arguments.add_argument("database")
arguments.add_argument("province")
arguments.add_argument("out")
arguments.add_argument("--period", default=harness.default_period())
arguments.add_argument("--drafts", default="2026/12")
arguments.add_argument("--runs", type=int, default=20)
arguments.add_argument("--top", type=int, default=25)
arguments.add_argument("--only", default="", help="profile only the pages whose name contains this")
arguments.add_argument("--first-view", action="store_true", help="empty every cache before each request")
args = arguments.parse_args()
harness.setup(args.database)


from django.core.cache import caches  # noqa: E402


def table(stats: pstats.Stats, key: str, runs: int) -> list[str]:
    stats.sort_stats(key)
    lines = [f"| {key} ms/request | calls/request | function |", "|---:|---:|---|"]
    for func in stats.fcn_list[: args.top]:  # type: ignore[attr-defined]
        _cc, calls, tottime, cumtime, _callers = stats.stats[func]  # type: ignore[attr-defined]
        filename, line, name = func
        where = filename.split("site-packages/")[-1].replace(str(harness.ROOT) + "/", "")
        spent = tottime if key == "tottime" else cumtime
        lines.append(f"| {1000 * spent / runs:.2f} | {calls / runs:g} | `{name}` {where}:{line} |")
    return lines


def main():
    fixtures = harness.fixtures(args.province, args.drafts)
    out = [f"# Profile per page, database {args.database}, {args.runs} requests each\n"]
    for name, user, _method, url in harness.pages(fixtures, args.period):
        if args.only and args.only not in name:
            continue
        client = harness.client_for(user)
        harness.timed_get(client, url)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.runs):
            if args.first_view:
                for cache in caches.all():
                    cache.clear()
            harness.timed_get(client, url)
        profiler.disable()
        stats = pstats.Stats(profiler, stream=io.StringIO())
        total = sum(tt for _cc, _nc, tt, _ct, _c in stats.stats.values()) / args.runs  # type: ignore[attr-defined]
        out.append(f"## {name}: `{url}`: {1000 * total:.1f} ms per request under the profiler\n")
        out += table(stats, "tottime", args.runs) + [""] + table(stats, "cumtime", args.runs) + [""]
        print(f"{name}: {1000 * total:.1f} ms", flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(out))


if __name__ == "__main__":
    main()
