"""The version of the data behind the dashboards (see models.DataVersion), bumped by database triggers.

PostgreSQL: a deferred constraint trigger per watched table bumps the number as the transaction commits,
once per transaction (the row is locked only while the transaction commits, so writers do not wait on
each other while they work); the new number becomes visible together with the data it counts.
SQLite (one writer at a time): a trigger per statement kind and table bumps it at once.
"""

from django.db import connection

# Two numbers, one per group of watched tables (the rows of DataVersion with these ids):
# - ACTIVITY: the reporting data, which changes all day during the reporting days: periods and deadlines,
#   reports with their sub-criteria, evidence and events, inspections with their findings and tasks;
# - STRUCTURE: what decides who may open what and what surrounds every page, which changes seldom: units
#   and memberships, criteria sets and enrolments.
# A kept page depends on both; a reader's access and menus on STRUCTURE alone, so that they outlive the
# day's saves. A new table read by a kept page belongs here, with a migration that adds its triggers.
ACTIVITY, STRUCTURE = 1, 2
STRUCTURE_TABLES = (
    "communes_administrativeunit",
    "communes_membership",
    "criteria_criteriaset",
    "criteria_criterion",
    "criteria_indicator",
    "criteria_indicatortarget",
    "criteria_enrolment",
)
ACTIVITY_TABLES = (
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
WATCHED_TABLES = STRUCTURE_TABLES + ACTIVITY_TABLES

TABLE = "dashboards_dataversion"

# The group's number comes as the trigger's argument (triggers made before the groups have none: ACTIVITY).
POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION dashboards_bump_data_version() RETURNS trigger AS $$
DECLARE
  version_id integer := COALESCE(TG_ARGV[0], '{ACTIVITY}')::integer;
  guard text := 'dashboards.bumped_in_' || version_id;
BEGIN
  -- Once per transaction and group (a bulk load of 100,000 rows bumps once, not 100,000 times), unless
  -- the session asks for every row (tests whose transaction never commits, see bump_within_transaction).
  IF current_setting(guard, true) = txid_current()::text
     AND current_setting('dashboards.every_row', true) IS DISTINCT FROM 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config(guard, txid_current()::text, true);
  INSERT INTO {TABLE} (id, number) VALUES (version_id, 1)
  ON CONFLICT (id) DO UPDATE SET number = {TABLE}.number + 1;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def trigger_name(table: str) -> str:
    return f"{table}_data_version"


def create_triggers(schema_editor, tables, group=ACTIVITY):
    """Add the triggers that bump the number of `group` on every change to `tables` (for the migrations)."""
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(POSTGRESQL_FUNCTION)
        for table in tables:
            execute(
                f"CREATE CONSTRAINT TRIGGER {trigger_name(table)} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION dashboards_bump_data_version('{int(group)}')"
            )
        return
    for table in tables:
        for event in ("INSERT", "UPDATE", "DELETE"):
            execute(
                f"CREATE TRIGGER {table}_data_version_{event.lower()} AFTER {event} ON {table} BEGIN "
                f"INSERT INTO {TABLE} (id, number) VALUES ({int(group)}, 1) "
                f"ON CONFLICT (id) DO UPDATE SET number = number + 1; END"
            )


def drop_triggers(schema_editor, tables, *, keep_function=False):
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


def current() -> tuple[int, int] | None:
    """(ACTIVITY, STRUCTURE) numbers now (one indexed read), or None when a group's data was never changed
    since the table was emptied (a cache must then not be used: a number could repeat)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, number FROM {TABLE} WHERE id IN ({ACTIVITY}, {STRUCTURE})")  # noqa: S608 - constants
        numbers = dict(cursor.fetchall())
    if ACTIVITY not in numbers or STRUCTURE not in numbers:
        return None
    return numbers[ACTIVITY], numbers[STRUCTURE]


def bump_within_transaction() -> None:
    """PostgreSQL: fire the version triggers at each statement instead of at commit, for the rest of the
    current transaction. For tests that run inside one transaction that never commits (pytest-django's
    `db`): there, as in production after each commit, a change is seen at once."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {', '.join(trigger_name(t) for t in WATCHED_TABLES)} IMMEDIATE")
            cursor.execute("SELECT set_config('dashboards.every_row', 'on', true)")
