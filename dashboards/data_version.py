"""The version of the data behind the dashboards (see models.DataVersion), bumped by database triggers.

PostgreSQL: a deferred constraint trigger per watched table bumps the number as the transaction commits,
once per transaction (the row is locked only while the transaction commits, so writers do not wait on
each other while they work); the new number becomes visible together with the data it counts.
SQLite (one writer at a time): a trigger per statement kind and table bumps it at once.
"""

from django.db import connection

# Every table whose rows a kept page (the dashboards, the report form) shows or depends on: units and
# memberships, criteria sets and enrolments, periods and deadlines, reports with their sub-criteria, evidence
# and events, inspections with their findings and tasks. A new table read by a kept page belongs here, with a
# migration that adds its triggers.
WATCHED_TABLES = (
    "communes_administrativeunit",
    "communes_membership",
    "criteria_criteriaset",
    "criteria_criterion",
    "criteria_indicator",
    "criteria_indicatortarget",
    "criteria_enrolment",
    "reports_reportingperiod",
    "reports_perioddeadline",
    "reports_monthlyreport",
    "reports_indicatorstatus",
    "reports_evidencefile",
    "reports_reportevent",
    "inspections_inspection",
    "inspections_sitevisit",
    "inspections_finding",
    "inspections_actionitem",
)

TABLE = "dashboards_dataversion"

POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION dashboards_bump_data_version() RETURNS trigger AS $$
BEGIN
  -- Once per transaction (a bulk load of 100,000 rows bumps once, not 100,000 times), unless the
  -- session asks for every row (tests whose transaction never commits, see bump_within_transaction).
  IF current_setting('dashboards.bumped_in', true) = txid_current()::text
     AND current_setting('dashboards.every_row', true) IS DISTINCT FROM 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('dashboards.bumped_in', txid_current()::text, true);
  INSERT INTO {TABLE} (id, number) VALUES (1, 1)
  ON CONFLICT (id) DO UPDATE SET number = {TABLE}.number + 1;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def trigger_name(table: str) -> str:
    return f"{table}_data_version"


def create_triggers(schema_editor, tables=WATCHED_TABLES):
    """Add the triggers that bump the version on every change to `tables` (used by the migrations)."""
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(POSTGRESQL_FUNCTION)
        for table in tables:
            execute(
                f"CREATE CONSTRAINT TRIGGER {trigger_name(table)} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboards_bump_data_version()"
            )
        return
    for table in tables:
        for event in ("INSERT", "UPDATE", "DELETE"):
            execute(
                f"CREATE TRIGGER {table}_data_version_{event.lower()} AFTER {event} ON {table} BEGIN "
                f"INSERT INTO {TABLE} (id, number) VALUES (1, 1) "
                f"ON CONFLICT (id) DO UPDATE SET number = number + 1; END"
            )


def drop_triggers(schema_editor, tables=WATCHED_TABLES, *, keep_function=False):
    """Remove the triggers of `tables` (and the PostgreSQL function they share, unless other tables keep
    using it)."""
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in tables:
            execute(f"DROP TRIGGER IF EXISTS {trigger_name(table)} ON {table}")
        if not keep_function:
            execute("DROP FUNCTION IF EXISTS dashboards_bump_data_version()")
        return
    for table in tables:
        for event in ("insert", "update", "delete"):
            execute(f"DROP TRIGGER IF EXISTS {table}_data_version_{event}")


def current() -> int | None:
    """The version now (one indexed read), or None when the data was never changed since the table was
    emptied (a cache must then not be used: a number could repeat)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number FROM {TABLE} WHERE id = 1")  # noqa: S608 - a constant
        row = cursor.fetchone()
    return row[0] if row else None


def bump_within_transaction() -> None:
    """PostgreSQL: fire the version triggers at each statement instead of at commit, for the rest of the
    current transaction. For tests that run inside one transaction that never commits (pytest-django's
    `db`): there, as in production after each commit, a change is seen at once."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {', '.join(trigger_name(t) for t in WATCHED_TABLES)} IMMEDIATE")
            cursor.execute("SELECT set_config('dashboards.every_row', 'on', true)")
