"""Each page beside the floor of the SQL it needs.

    python bench/floor.py DATABASE PROVINCE_CODE [--period YYYY-M] [--drafts YYYY/M] [--runs N]

For every measured page (bench/harness.py): the median time of the whole request in this process
(Django's test client: middleware, session, view, template; production settings), and the median of the
raw SQL that fetches the rows the page shows, written by hand as one or two queries over a cursor, no
ORM. The ratio is page / SQL. Pages are measured three times: with every cache empty (the first request
after a change of units, memberships or criteria sets, or after a restart), right after a report is saved
elsewhere (the page is built again; the reader's access and menus are kept), and again (the same request
repeated: the page as kept).
Prints a Markdown table.
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

arguments = argparse.ArgumentParser()
arguments.add_argument("database")
arguments.add_argument("province")
arguments.add_argument("--period", default=harness.default_period())
arguments.add_argument("--drafts", default="2026/12")
arguments.add_argument("--runs", type=int, default=21)
args = arguments.parse_args()
harness.setup(args.database)

from django.db import connection  # noqa: E402

# The communes of a unit that report in the period (their latest enrolment starting by the period's end),
# with the period's report, the previous month's summary and where each stood (its latest accepted, else
# submitted, report up to the period): the rows of the overview, the matrix (met_criteria holds the
# criteria met), the criterion page, the roll-up and the summary.
ROWS = """
WITH enrolled AS (
  SELECT DISTINCT ON (e.commune_id) e.commune_id, e.criteria_set_id, e.zone
  FROM criteria_enrolment e JOIN communes_administrativeunit c ON c.id = e.commune_id
  WHERE c.path LIKE %(path)s AND c.level = 'commune' AND (e.starts_on IS NULL OR e.starts_on <= %(end)s)
  ORDER BY e.commune_id, e.starts_on DESC NULLS LAST
)
SELECT c.code, c.name, parent.name, en.zone,
       r.id, r.status, r.submitted_at, r.is_late, r.criteria_met, r.criteria_total,
       r.indicators_met, r.indicators_total, r.indicators_answered, r.met_criteria,
       prev.status, prev.criteria_met, prev.indicators_met,
       standing.status, standing.criteria_met, standing.criteria_total, standing.met_criteria
FROM enrolled en
JOIN communes_administrativeunit c ON c.id = en.commune_id
LEFT JOIN communes_administrativeunit parent ON parent.id = c.parent_id
LEFT JOIN reports_monthlyreport r ON r.commune_id = c.id AND r.period_id = %(period)s
LEFT JOIN reports_monthlyreport prev ON prev.commune_id = c.id AND prev.period_id = %(previous)s
LEFT JOIN LATERAL (
  SELECT s.status, s.criteria_met, s.criteria_total, s.met_criteria
  FROM reports_monthlyreport s JOIN reports_reportingperiod sp ON sp.id = s.period_id
  WHERE s.commune_id = c.id AND s.status IN ('submitted', 'accepted')
    AND (sp.year, sp.month) <= (%(year)s, %(month)s)
  ORDER BY (s.status = 'accepted') DESC, sp.year DESC, sp.month DESC LIMIT 1
) standing ON true
ORDER BY c.name
"""
CRITERIA = "SELECT number, name FROM criteria_criterion WHERE criteria_set_id = %(set)s ORDER BY number"
CRITERION_STATUSES = """
SELECT i.code, i.name, i.unit, s.report_id, s.value, s.met, t.zone, t.threshold
FROM reports_indicatorstatus s
JOIN criteria_indicator i ON i.id = s.indicator_id
JOIN criteria_criterion k ON k.id = i.criterion_id
JOIN reports_monthlyreport r ON r.id = s.report_id
JOIN communes_administrativeunit c ON c.id = r.commune_id
LEFT JOIN criteria_indicatortarget t ON t.indicator_id = i.id
WHERE c.path LIKE %(path)s AND r.period_id = %(period)s AND k.criteria_set_id = %(set)s AND k.number = 1
ORDER BY i.position
"""
CHILDREN = "SELECT id, name FROM communes_administrativeunit WHERE parent_id = %(unit)s AND level <> 'commune'"
# The commune page: every report's summary, the latest submitted report's sub-criteria, open tasks and
# the latest inspection findings.
COMMUNE = [
    """SELECT p.year, p.month, r.status, r.criteria_met, r.criteria_total, r.indicators_met, r.indicators_total,
              r.submitted_at, r.is_late, r.met_criteria
       FROM reports_monthlyreport r JOIN reports_reportingperiod p ON p.id = r.period_id
       WHERE r.commune_id = %(commune)s ORDER BY p.year, p.month""",
    """SELECT k.number, k.name, i.code, i.name, i.unit, s.met, s.value, s.responsible_person, s.planned_date
       FROM reports_indicatorstatus s JOIN criteria_indicator i ON i.id = s.indicator_id
       JOIN criteria_criterion k ON k.id = i.criterion_id
       WHERE s.report_id = (SELECT r.id FROM reports_monthlyreport r JOIN reports_reportingperiod p
                            ON p.id = r.period_id WHERE r.commune_id = %(commune)s AND r.status <> 'draft'
                            ORDER BY p.year DESC, p.month DESC LIMIT 1)
       ORDER BY k.number, i.position""",
    """SELECT a.id, a.title, a.owner_name, a.due_date, a.status FROM inspections_actionitem a
       WHERE a.commune_id = %(commune)s AND a.status <> 'done' ORDER BY a.due_date""",
    """SELECT f.id, f.assessment, f.shortcoming, f.recommendation, v.name, n.date FROM inspections_finding f
       JOIN inspections_sitevisit v ON v.id = f.visit_id JOIN inspections_inspection n ON n.id = v.inspection_id
       WHERE n.commune_id = %(commune)s ORDER BY n.date DESC LIMIT 50""",
]
# The report form: the report, its sub-criteria with their criterion, targets and evidence files.
FORM = [
    """SELECT r.id, r.status, r.version, r.zone, p.year, p.month, p.deadline, c.name
       FROM reports_monthlyreport r JOIN reports_reportingperiod p ON p.id = r.period_id
       JOIN communes_administrativeunit c ON c.id = r.commune_id WHERE r.id = %(report)s""",
    """SELECT k.number, k.name, i.id, i.code, i.name, i.kind, i.unit, s.id, s.value, s.text_value,
              s.declared_met, s.met, s.note, s.responsible_person, s.planned_date, t.target_text, t.threshold
       FROM reports_indicatorstatus s JOIN criteria_indicator i ON i.id = s.indicator_id
       JOIN criteria_criterion k ON k.id = i.criterion_id
       LEFT JOIN criteria_indicatortarget t ON t.indicator_id = i.id AND t.zone IN ('', %(zone)s)
       WHERE s.report_id = %(report)s ORDER BY k.number, i.position""",
    """SELECT e.id, e.status_id, e.original_name, e.kind, e.size FROM reports_evidencefile e
       JOIN reports_indicatorstatus s ON s.id = e.status_id WHERE s.report_id = %(report)s""",
]


def run_sql(queries, params):
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(sql, params)
            cursor.fetchall()


def floors(fixtures):
    """{page name: (queries, params)}."""
    from dashboards.selectors import previous_month
    from reports.models import MonthlyReport, ReportingPeriod

    year, month = (int(x) for x in args.period.split("-"))
    period = ReportingPeriod.objects.get(year=year, month=month)
    previous = ReportingPeriod.objects.filter(year=previous_month(period)[0], month=previous_month(period)[1]).first()
    end = period.deadline.replace(day=28)  # any day of the month: enrolments start on the 1st
    set_id = (
        MonthlyReport.objects.filter(commune=fixtures["commune"], period=period).values_list("criteria_set", flat=True)
    ).first()

    def rows(unit, *more):
        params = {
            "path": unit.path + "%",
            "end": end,
            "period": period.pk,
            "previous": getattr(previous, "pk", 0),
            "year": year,
            "month": month,
            "set": set_id,
            "unit": unit.pk,
        }
        return [ROWS, *more], params

    district, province = fixtures["district"], fixtures["province"]
    found = {
        "district overview": rows(district),
        "criteria matrix": rows(district, CRITERIA),
        "criterion page": rows(district, CRITERION_STATUSES),
        "district summary": rows(district, CHILDREN, CRITERIA),
        "province overview": rows(province),
        "province roll-up": rows(province, CHILDREN, CRITERIA),
        "commune page": (COMMUNE, {"commune": fixtures["commune"].pk}),
    }
    if fixtures["draft"]:
        found["report form GET"] = (FORM, {"report": fixtures["draft"].pk, "zone": fixtures["draft"].zone})
    return found


def empty_every_cache():
    """Every cache emptied: the first request after a change of structure (units, memberships, criteria
    sets), or after a restart."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


def save_elsewhere():
    """A committed change to the reporting data that the page does not show (as a report saved by another
    commune): the pages are built again, the reader's access and menus are kept (data_version's groups)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_reportingperiod SET deadline = deadline "
            "WHERE id = (SELECT min(id) FROM reports_reportingperiod)"
        )


def median_request_ms(client, url, runs, before=None) -> float:
    """The median of `runs` requests (after one warm-up), `before()` run untimed before each."""
    samples = []
    for run in range(runs + 1):
        if before is not None:
            before()
        status, ms = harness.timed_get(client, url)
        assert status == 200, (url, status)
        if run:
            samples.append(ms)
    return statistics.median(samples)


def main():
    fixtures = harness.fixtures(args.province, args.drafts)
    sql_for = floors(fixtures)
    print(f"Database {args.database}, period {args.period}, median of {args.runs} runs\n")
    print(
        "| page | SQL floor ms | every cache empty ms | ratio | after a save elsewhere ms | ratio | again ms | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, user, _method, url in harness.pages(fixtures, args.period):
        client = harness.client_for(user)
        queries, params = sql_for[name]
        floor = harness.median_ms(lambda q=queries, p=params: run_sql(q, p), args.runs)
        cold = median_request_ms(client, url, args.runs, before=empty_every_cache)
        saved = median_request_ms(client, url, args.runs, before=save_elsewhere)
        warm = median_request_ms(client, url, args.runs)
        ratios = " | ".join(f"{ms:.1f} | {ms / floor:.1f}×" for ms in (cold, saved, warm))
        print(f"| {name} | {floor:.2f} | {ratios} |", flush=True)


if __name__ == "__main__":
    main()
