"""Permission matrix: every URL pattern of the project × every role × GET and POST → expected status.

The routes come from the URL resolver, so a new URL without a row in MATRIX (or in the explicit
skip lists) fails the test, and so does a row whose route no longer exists.

One world is built (the demo story with its reports, inspection and working session, plus another
district with its own coordination office); every request runs inside a savepoint that is rolled
back, so a POST that changes something does not change what later requests see.

Roles, in the column order of MATRIX (anonymous is a keyword of `row`, login redirect by default):
    same   commune official of Xuân Trường (15514), the commune every object belongs to
    other  commune official of Xuân Hòa (15517), same district
    office coordination office of Thọ Xuân (395)
    o_off  coordination office of another district (Như Xuân, 402)
    insp   inspector of Thọ Xuân
    dept   department (Phòng Y tế) of Thọ Xuân
    lead   leader of Thọ Xuân

Codes: a number is the expected status; "L" is a 302 to the login page; "302" is a redirect
anywhere else (a permitted POST answering with a message). POSTs carry an empty body (the test
client does not check CSRF), so form views answer as they do for an incomplete form.
"""

import datetime
import io
import time

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.testing import close_response

LOGIN_URL = "/accounts/login/"

USER_ROLES = ("same", "other", "office", "o_off", "insp", "dept", "lead")
ROLES = ("anonymous", *USER_ROLES)
USERNAMES = {
    "same": "xa_xuantruong",
    "other": "xa_xuanhoa",
    "office": "vpdp_thoxuan",
    "o_off": "vpdp_khac",
    "insp": "totrt_thoxuan",
    "dept": "phong_ythoxuan",
    "lead": "lanhdao_thoxuan",
}

# Not in the matrix, on purpose: Django's own admin, the language switch and the auth views.
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_NAMES = {
    "set_language",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
# Unnamed patterns are keyed in MATRIX by their full pattern ("/favicon.ico"); none is skipped.
SKIPPED_UNNAMED = set()


# --- The matrix ---------------------------------------------------------------------------------


def row(get, post, *, anonymous=("L", "L"), **kwargs):
    """One route: `get`/`post` list the codes of the seven signed-in roles (in USER_ROLES order);
    `kwargs` name the URL's arguments, each a key of the world (see `world`)."""
    get_codes, post_codes = get.split(), post.split()
    assert len(get_codes) == len(post_codes) == len(USER_ROLES), (get, post)
    expected = {"anonymous": anonymous}
    for role, g, p in zip(USER_ROLES, get_codes, post_codes, strict=True):
        expected[role] = (g, p)
    return {"kwargs": kwargs, "expected": expected}


def same(code):
    return " ".join([code] * len(USER_ROLES))


#          same  other office o_off insp  dept  lead
ALL_200 = same("200")
ALL_405 = same("405")
# Seen by everyone who reaches Xuân Trường; a 404 for the commune next door and the other district.
REACH_200 = "200   404   200   404   200   200   200"
# The same for an object of one sector (the world's finding and task are on the school, criterion 5,
# Phòng Giáo dục và Đào tạo): the health department gets a 404 too (access docstring, "Sectors").
SECTOR_200 = "200   404   200   404   200   404   200"
# Commune official's actions on its own report (report.edit): the office and others only look at it.
EDIT_302 = "302   404   403   404   403   403   403"
# The office's review of a report (report.review).
REVIEW_302 = "403   404   302   404   403   403   403"
# Office-wide pages not bound to a unit (reporting periods): any coordination office.
OFFICES_200 = "403   403   200   200   403   403   403"
OFFICES_302 = "403   403   302   302   403   403   403"
OFFICES_400 = "403   403   400   400   403   403   403"
# A person holding a role at Xuân Trường: its district's office manages them; the other district's does
# not see them (404); no other role manages people (403).
PERSON_200 = "403   403   200   404   403   403   403"
PERSON_302 = "403   403   302   404   403   403   403"
PERSON_400 = "403   403   400   404   403   403   403"
# Dashboards of district 395 (dashboard.view): officials have no dashboard at all (403);
# the other district's office has one, but not this one (404).
DASHBOARD_200 = "403   403   200   404   200   200   200"
# Minutes are for the office, the leader and the commune (meeting.view); an inspector or a department
# reaching the commune gets a 404, not a 403: meetings_visible_to() hides them (documented there).
MEETING_200 = "200   404   200   404   404   404   200"
# Changing the minutes is the office's (meeting.edit); the commune and the leader only read them (403).
MEETING_EDIT_302 = "403   404   302   404   404   404   403"
# Field work of an inspection (inspection.edit): the inspector and the office.
INSPECT_200 = "403   404   200   404   200   403   403"
INSPECT_302 = "403   404   302   404   302   403   403"
# An empty POST is validated as a POST: the form comes back with its errors (400), never as a GET.
INSPECT_400 = "403   404   400   404   400   403   403"
# Field work on the world's finding (education sector): the health department cannot see it (404).
INSPECT_SECTOR_302 = "403   404   302   404   302   404   403"

MATRIX = {
    # --- ntm_portal ---
    "home": row(ALL_200, ALL_200),  # the home page answers any method with the role's page
    "healthz": row(ALL_200, ALL_405, anonymous=("200", "405")),  # public, GET only
    "/favicon.ico": row(same("301"), same("301"), anonymous=("301", "301")),  # public, to the static file
    # --- communes ---
    "communes:unit_list": row(ALL_200, ALL_200),
    "communes:unit_detail": row(REACH_200, REACH_200, code="commune"),
    # --- criteria: the sets are public reference, any signed-in user reads them ---
    "criteria:set_list": row(ALL_200, ALL_200),
    "criteria:set_detail": row(ALL_200, ALL_200, code="criteria_set"),
    # --- reports ---
    "reports:report_list": row(ALL_200, ALL_405),
    # The April report exists already: opening it again redirects to it.
    "reports:report_open": row(ALL_405, EDIT_302, code="commune", year="year", month="month"),
    "reports:report_detail": row(REACH_200, ALL_405, pk="report"),
    # The April report is submitted: the commune's save is refused with a message and a redirect.
    "reports:report_edit": row(ALL_405, EDIT_302, pk="report"),
    # htmx preview: renders the summary line for whatever was typed (nothing here).
    "reports:report_preview": row(ALL_405, "200 404 403 404 403 403 403", pk="report"),
    # No decision / no reason: refused with a message and a redirect to the report.
    "reports:report_review": row(ALL_405, REVIEW_302, pk="report"),
    "reports:report_reopen": row(ALL_405, REVIEW_302, pk="report"),
    "reports:report_history": row(REACH_200, ALL_405, pk="report"),
    "reports:report_xlsx": row(REACH_200, ALL_405, pk="report"),
    "reports:report_xlsx_upload": row(ALL_405, EDIT_302, pk="report"),  # no file: message + redirect
    # The evidence file sits on a sub-criterion of criterion 13 (Y tế), the department's own sector.
    "reports:evidence_download": row(REACH_200, ALL_405, pk="evidence"),
    "reports:period_list": row(OFFICES_200, OFFICES_302),  # POST: makes sure the next periods exist
    # The deadline of Thọ Xuân's communes is its office's to set (deadline.set, at its own unit only); the
    # other district's office does not reach Thọ Xuân (404); no other role sets deadlines (403). Empty POST:
    # the form again with its errors (400).
    "reports:period_deadline": row(
        "403 403 200 404 403 403 403", "403 403 400 404 403 403 403", pk="period", code="district"
    ),
    "notifications:notification_list": row(ALL_200, ALL_405),
    "notifications:notification_read": row(ALL_405, same("302")),  # one's own notifications only
    # The action plan: everyone reaching the commune reads it; the commune, office and inspector add to it
    # (action.edit); an empty form is re-rendered with errors (400).
    "reports:action_plan": row(REACH_200, "400 404 400 404 400 403 403", code="commune"),
    # An empty POST to action_edit gets the form back with its errors (400). The task is of
    # the education sector: a 404 for the health department. What each role may change: FIELD_RULES.
    "reports:action_edit": row("200 404 200 404 200 404 403", "400 404 400 404 400 404 403", pk="action"),
    # Dashboards.
    "dashboards:home": row("403 403 302 302 302 302 302", ALL_405),  # to the user's first dashboard
    "dashboards:overview": row(DASHBOARD_200, ALL_405, code="district"),
    "dashboards:matrix": row(DASHBOARD_200, ALL_405, code="district"),
    "dashboards:rollup": row(DASHBOARD_200, ALL_405, code="district"),
    "dashboards:summary": row(DASHBOARD_200, ALL_405, code="district"),
    "dashboards:long_export": row(DASHBOARD_200, ALL_405, code="district"),
    "dashboards:criterion": row(DASHBOARD_200, ALL_405, code="district", number="number"),
    "dashboards:commune": row(REACH_200, ALL_405, code="commune"),  # the commune's own page too
    # Working sessions and minutes.
    "meetings:meeting_list": row(ALL_200, ALL_405),  # each sees the sessions it may read (maybe none)
    # Any coordination office may open the form (its own communes in the choices); empty POST: the form
    # again with its errors (400, see INSPECT_400).
    "meetings:meeting_create": row(OFFICES_200, OFFICES_400),
    "meetings:meeting_detail": row(MEETING_200, ALL_405, pk="meeting"),
    "meetings:meeting_edit": row(ALL_405, MEETING_EDIT_302, pk="meeting"),
    "meetings:meeting_remark_add": row(ALL_405, MEETING_EDIT_302, pk="meeting"),
    "meetings:meeting_directive_add": row(ALL_405, MEETING_EDIT_302, pk="meeting"),
    "meetings:meeting_finalise": row(ALL_405, MEETING_EDIT_302, pk="meeting"),
    "meetings:meeting_reopen": row(ALL_405, MEETING_EDIT_302, pk="meeting"),
    "meetings:meeting_render": row(ALL_405, MEETING_EDIT_302, pk="meeting"),
    "meetings:meeting_pdf": row(MEETING_200, ALL_405, pk="meeting"),  # the PDF is ready (see `world`)
    "meetings:meeting_pdf_status": row(MEETING_200, ALL_405, pk="meeting"),
    # --- inspections ---
    "inspections:inspection_list": row(ALL_200, ALL_405),
    # Inspectors and offices with an enrolled commune in reach (the other district has one).
    # Empty POST: the form again with its errors (400, see INSPECT_400).
    "inspections:inspection_create": row("403 403 200 200 200 403 403", "403 403 400 400 400 403 403"),
    # POST changes the status (none given here: redirect back).
    "inspections:inspection_detail": row(REACH_200, INSPECT_302, pk="inspection"),
    "inspections:visit_create": row(INSPECT_200, INSPECT_400, pk="inspection"),
    "inspections:finding_create": row(INSPECT_200, INSPECT_400, pk="visit"),
    # The finding (and its photo) is on the school (education): the health department gets a 404.
    "inspections:finding_detail": row(SECTOR_200, ALL_405, pk="finding"),
    "inspections:photo_add": row(ALL_405, INSPECT_SECTOR_302, pk="finding"),  # no photo: message + redirect
    "inspections:follow_up_create": row(ALL_405, INSPECT_SECTOR_302, pk="finding"),
    # Resolving a disputed finding is the office's (report.review).
    "inspections:finding_resolve": row(ALL_405, "403 404 302 404 403 404 403", pk="finding"),
    "inspections:photo_file": row(SECTOR_200, ALL_405, pk="photo", variant="variant"),
    # Everyone reaching the commune and the task's sector reads a task; only the commune (action.answer)
    # or the task's owner answers it (an empty POST gets the form back with its errors: 400); the office
    # and the inspector may only verify (POST "verify"), so a plain answer from them is a 403.
    "inspections:action_detail": row(SECTOR_200, "400 404 403 404 403 404 403", pk="action"),
    "inspections:action_evidence": row(SECTOR_200, ALL_405, pk="action"),  # the task has an evidence file
    # --- office (the coordination office's self-service, office.manage) ---
    # Any coordination office has its own pages (the other district's office sees its own people and
    # communes); every other role gets a 403. Empty POSTs: the form again with its errors (400).
    "office:home": row(OFFICES_200, ALL_405),
    "office:person_list": row(OFFICES_200, ALL_405),
    "office:person_add": row(OFFICES_200, OFFICES_400),
    # Xuân Trường's official: the other district's office never sees an account holding roles only
    # outside its units (404).
    "office:person_detail": row(PERSON_200, ALL_405, pk="person"),
    "office:person_edit": row(PERSON_200, PERSON_400, pk="person"),
    "office:role_add": row(PERSON_200, PERSON_400, pk="person"),
    "office:role_edit": row(PERSON_200, PERSON_400, pk="person", membership="membership"),
    "office:person_active": row(ALL_405, PERSON_400, pk="person"),
    "office:person_send_link": row(ALL_405, PERSON_302, pk="person"),
    "office:enrolment_list": row(OFFICES_200, ALL_405),
    "office:enrolment_change": row(ALL_405, OFFICES_400),
    # Imports (unit and criteria files) are for the top office of a province only: a district's office
    # gets a 403 like every other role (the province office's own cases: office/tests/test_imports.py).
    "office:import_list": row(same("403"), same("403")),
    "office:import_new": row(same("403"), same("403"), kind="import_kind"),
    "office:import_detail": row(same("403"), same("403"), pk="import"),
    "office:import_apply": row(same("403"), same("403"), pk="import"),
    "office:import_file": row(same("403"), same("403"), pk="import"),
    # Addresses from before `reports` was split: a permanent redirect for everyone (the new page decides).
    "moved_dashboard": row(same("301"), same("308"), anonymous=("301", "308"), rest="district"),
    "moved_commune": row(same("301"), same("308"), anonymous=("301", "308"), rest="commune"),
    "moved_meetings": row(same("301"), same("308"), anonymous=("301", "308"), rest="meeting"),
    "moved_notifications": row(same("301"), same("308"), anonymous=("301", "308"), rest="meeting"),
}

# The rows that check one action of `communes.access.ACTIONS` (at Xuân Trường or Thọ Xuân, which every
# role but "other" and "o_off" reaches): the roles the matrix lets through must be those ACTIONS names.
ROW_ACTIONS = {
    "reports:report_edit": ("post", "report.edit"),
    "reports:report_review": ("post", "report.review"),
    "dashboards:overview": ("get", "dashboard.view"),
    "dashboards:matrix": ("get", "dashboard.view"),
    "inspections:visit_create": ("get", "inspection.edit"),
    "meetings:meeting_detail": ("get", "meeting.view"),
    "meetings:meeting_edit": ("post", "meeting.edit"),
    "reports:period_deadline": ("get", "deadline.set"),
    "office:person_detail": ("get", "office.manage"),
    "office:enrolment_list": ("get", "office.manage"),
}


# --- Routes from the resolver -------------------------------------------------------------------


def _walk(patterns, namespace="", prefix=""):
    """(key, full pattern, namespace) of every URL pattern; key is "ns:name", or "/pattern" if unnamed."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
            continue
        assert isinstance(pattern, URLPattern)
        full = prefix + str(pattern.pattern)
        if not pattern.name:
            yield "/" + full, full, namespace
            continue
        yield ":".join(part for part in (namespace, pattern.name) if part), full, namespace


def project_routes():
    """{key: pattern} of every route the test must cover, and the problems found on the way."""
    routes, problems = {}, []
    for key, full, namespace in _walk(get_resolver().url_patterns):
        if namespace.split(":")[0] in SKIPPED_NAMESPACES:
            continue
        if key in SKIPPED_NAMES or key in SKIPPED_UNNAMED:
            continue
        if key in routes:
            problems.append(f"route {key!r} is defined twice ({routes[key]!r} and {full!r})")
        routes[key] = full
    return routes, problems


def test_every_route_is_in_the_matrix():
    routes, problems = project_routes()
    missing = sorted(set(routes) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(routes))
    assert not problems, problems
    assert not (missing or stale), (
        f"routes without a row in MATRIX (add one): {missing}; rows for routes that no longer exist: {stale}"
    )


# --- The world ----------------------------------------------------------------------------------


def _png():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, "PNG")
    return buffer.getvalue()


def build_world():
    """The demo story (reports, inspection, meeting), another district with its office, and the
    objects every URL argument points at. Returns {world key: URL argument value}."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from communes.models import AdministrativeUnit, Role, UnitLevel
    from criteria.models import CriteriaSet, SetLevel
    from criteria.services import enrolment_set
    from inspections.models import ActionItem, Inspection
    from meetings.models import Meeting, MinutesState
    from ntm_portal.demo import DEMO_SET_CODE, XUAN_TRUONG_CODE, make_member, seed_inspection, seed_meeting
    from office.models import ImportKind, ImportRecord, ImportStatus
    from reports.models import EvidenceFile, MonthlyReport, ReportingPeriod

    seed_inspection()
    seed_meeting()

    # Another district (Như Xuân) with one enrolled commune and its own coordination office.
    province = AdministrativeUnit.objects.get(code="38")
    nhu_xuan = AdministrativeUnit.objects.create(
        code="402", name="Huyện Như Xuân", level=UnitLevel.DISTRICT, parent=province
    )
    yen_cat = AdministrativeUnit.objects.create(
        code="16174", name="Thị trấn Yên Cát", level=UnitLevel.COMMUNE, parent=nhu_xuan
    )
    criteria_set = CriteriaSet.objects.get(code=DEMO_SET_CODE)
    enrolment_set(
        commune=yen_cat, criteria_set=criteria_set, target_level=SetLevel.ADVANCED, target_year=2022, zone="Vùng 2"
    )
    make_member("vpdp_khac", Role.OFFICE, nhu_xuan)

    commune = AdministrativeUnit.objects.get(code=XUAN_TRUONG_CODE)
    official = get_user_model().objects.get(username="xa_xuantruong")
    period = ReportingPeriod.objects.get(year=2021, month=4)
    report = MonthlyReport.objects.get(commune=commune, period=period)
    health_status = report.statuses.filter(indicator__criterion__number=13).order_by("indicator__position").first()
    evidence = EvidenceFile.objects.create(
        status=health_status,
        file=ContentFile(_png(), name="minh-chung.png"),
        original_name="minh-chung.png",
        kind="png",
        size=len(_png()),
        uploaded_by=official,
    )
    inspection = Inspection.objects.get(commune=commune, date=datetime.date(2021, 4, 14))
    action = ActionItem.objects.filter(commune=commune, finding__isnull=False).order_by("pk").first()
    action.evidence.save("minh-chung.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    finding = action.finding
    assert action.criterion.number == 5  # the school: outside the health department's sector (SECTOR_200)
    meeting = Meeting.objects.get(commune=commune, year=2021)
    # The PDF is rendered by a task after commit (never, in a test): store a stand-in as if it ran.
    pdf_name = default_storage.save("private/minutes/test.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    Meeting.objects.filter(pk=meeting.pk).update(pdf=pdf_name, pdf_state=MinutesState.READY)

    assert finding.photos.exists()
    province_office = make_member("vpdp_tinh", Role.OFFICE, province)
    import_record = ImportRecord.objects.create(
        kind=ImportKind.UNITS,
        unit=province,
        file=ContentFile(b"code,name,level,parent_code\n", name="don-vi.csv"),
        original_name="don-vi.csv",
        status=ImportStatus.PREVIEWED,
        uploaded_by=province_office,
    )
    return {
        "commune": commune.code,
        "district": commune.parent.code,
        "criteria_set": criteria_set.code,
        "year": 2021,
        "month": 4,
        "number": 13,
        "variant": "display",
        "report": report.pk,
        "evidence": evidence.pk,
        "period": period.pk,
        "inspection": inspection.pk,
        "visit": finding.visit_id,
        "finding": finding.pk,
        "photo": finding.photos.order_by("pk").first().pk,
        "action": action.pk,
        "meeting": meeting.pk,
        "person": official.pk,
        "membership": official.memberships.get(unit=commune).pk,
        "import_kind": "units",
        "import": import_record.pk,
    }


# --- The test -----------------------------------------------------------------------------------


def test_the_matrix_and_access_actions_agree():
    """The matrix is written by hand, the rules live in communes.access.ACTIONS: they must say the same."""
    from communes.access import ACTIONS
    from communes.models import Role

    role_of = {
        "same": Role.COMMUNE_OFFICIAL,
        "office": Role.OFFICE,
        "insp": Role.INSPECTOR,
        "dept": Role.DEPARTMENT,
        "lead": Role.LEADER,
    }
    for key, (method, action) in ROW_ACTIONS.items():
        index = 0 if method == "get" else 1
        allowed = {
            role_of[role] for role in role_of if MATRIX[key]["expected"][role][index] not in ("403", "404", "405", "L")
        }
        assert allowed == set(ACTIONS[action]), (key, action)


def _outcome(response):
    """The response as a matrix code: "L" for a redirect to the login page, else the status."""
    if response.status_code == 302 and response["Location"].startswith(LOGIN_URL):
        return "L"
    return str(response.status_code)


def _request(client, method, url):
    """One request in a savepoint that is rolled back: the world stays as it was."""
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    outcome = _outcome(response)
    error = ""
    if getattr(response, "exc_info", None):
        error = f"{response.exc_info[0].__name__}: {response.exc_info[1]}"[:120]
    close_response(response)
    return outcome, error


def test_permission_matrix(demo_reports):
    from django.contrib.auth import get_user_model

    started = time.monotonic()
    world = build_world()
    routes, _problems = project_routes()
    users = {role: get_user_model().objects.get(username=name) for role, name in USERNAMES.items()}

    urls, mismatches, checked = {}, [], 0
    for key in sorted(set(routes) & set(MATRIX)):
        if key.startswith("/"):
            urls[key] = key
            continue
        try:
            urls[key] = reverse(key, kwargs={k: world[v] for k, v in MATRIX[key]["kwargs"].items()})
        except Exception as error:  # a URL argument missing from the row
            mismatches.append((key, "-", "-", "-", "-", f"cannot build the URL: {error}"))

    for role in ROLES:
        client = Client(raise_request_exception=False)
        if role != "anonymous":
            client.force_login(users[role])
        for index, method in enumerate(("get", "post")):  # every GET of the role, then every POST
            for key, url in urls.items():
                expected = MATRIX[key]["expected"][role][index]
                got, error = _request(client, method, url)
                checked += 1
                if got != expected:
                    mismatches.append((key, url, role, method.upper(), f"{got} ≠ {expected}", error))

    elapsed = time.monotonic() - started
    print(  # shown with `pytest -s`
        f"\npermission matrix: {len(urls)} routes × {len(ROLES)} roles × 2 methods = {checked} requests "
        f"in {elapsed:.1f}s"
    )
    assert checked > 0
    assert checked == len(urls) * len(ROLES) * 2
    table = "\n".join(
        f"{key:34} {role:9} {method:4} got {result:11} {url}  {error}".rstrip()
        for key, url, role, method, result, error in mismatches
    )
    assert not mismatches, f"{len(mismatches)} unexpected responses (got ≠ expected):\n{table}"


# --- Field-level rules of a task ----------------------------------------------------------------
#
# The matrix says who may post to a task at all; these rows say what each role may change with it
# (communes.access, "Tasks"). A row: who posts ("same" is the commune official, as in the matrix);
# where: "edit" (the action plan's edit form of the world's inspection follow-up), "page" (that task's
# own page: answer or verify) or "plan" (the edit form of a task of the commune's own plan); the task's
# state before; what is posted (typed over the form's current values on an edit form); the expected
# status code; the task's state after (verified_by names a role).

INSPECTION_DUE = datetime.date(2021, 9, 30)  # set by the inspection team (ntm_portal.demo.seed_inspection)
LATER = datetime.date(2030, 12, 31)
OPEN = {"status": "open"}
DONE = {"status": "done", "completion_note": "Đã cải tạo nhà vệ sinh"}
VERIFIED = {"status": "verified"}
MOVE_DUE = {"due_date": "31/12/2030"}
VERIFY = {"verify": "1"}  # the button on the task's page

FIELD_RULES = [
    # The commune proposes done (with a result), never verifies, and cannot move the inspection's date.
    ("same", "edit", DONE, VERIFIED, "400", {"status": "done", "verified_by": None}),
    ("same", "edit", OPEN, MOVE_DUE, "400", {"due_date": INSPECTION_DUE}),
    ("same", "edit", OPEN, DONE, "302", {"status": "done", "verified_by": None}),
    ("same", "page", DONE, VERIFY, "403", {"status": "done", "verified_by": None}),
    ("same", "page", OPEN, DONE, "302", {"status": "done"}),
    # A verified task stays verified for the commune.
    ("same", "edit", VERIFIED, {"status": "open"}, "400", {"status": "verified"}),
    ("same", "page", VERIFIED, {"status": "in_progress"}, "400", {"status": "verified"}),
    # The due dates of its own plan are the commune's.
    ("same", "plan", OPEN, MOVE_DUE, "302", {"due_date": LATER}),
    # Done needs a result: a note, or an evidence file (the follow-up has one, the plan task none).
    ("same", "plan", OPEN, {"status": "done", "completion_note": ""}, "400", {"status": "open"}),
    ("same", "edit", OPEN, {"status": "done", "completion_note": ""}, "302", {"status": "done"}),
    # The inspector and the office verify (on the edit form or the task's page) and move the date.
    ("insp", "edit", DONE, VERIFIED, "302", {"status": "verified", "verified_by": "insp"}),
    ("office", "edit", DONE, VERIFIED, "302", {"status": "verified", "verified_by": "office"}),
    ("insp", "page", DONE, VERIFY, "302", {"status": "verified", "verified_by": "insp"}),
    ("office", "page", DONE, VERIFY, "302", {"status": "verified", "verified_by": "office"}),
    ("insp", "edit", OPEN, MOVE_DUE, "302", {"due_date": LATER}),
    ("office", "edit", OPEN, MOVE_DUE, "302", {"due_date": LATER}),
    # Reopening a verified task is theirs too, and forgets who verified it.
    ("office", "edit", VERIFIED, {"status": "in_progress"}, "302", {"status": "in_progress", "verified_by": None}),
]


def _edit_form(action, posted):
    """The edit form as the page fills it for `action`, with `posted` typed over it."""
    current = {
        "criterion": action.criterion_id,
        "title": action.title,
        "owner_name": action.owner_name,
        "owner_position": action.owner_position,
        "owner_department": action.owner_department,
        "due_date": action.due_date.strftime("%d/%m/%Y"),
        "status": action.status,
        "completion_note": action.completion_note,
    }
    return {**current, **posted}


def test_field_level_rules_of_a_task(demo_reports):
    from django.contrib.auth import get_user_model

    from inspections.models import ActionItem

    world = build_world()
    users = {role: get_user_model().objects.get(username=name) for role, name in USERNAMES.items()}
    follow_up = world["action"]
    plan_task = ActionItem.objects.filter(commune__code=world["commune"], source="plan").order_by("pk").first().pk
    assert ActionItem.objects.get(pk=follow_up).due_date == INSPECTION_DUE

    mismatches = []
    for who, where, before, posted, code, after in FIELD_RULES:
        client = Client(raise_request_exception=False)
        client.force_login(users[who])
        pk = plan_task if where == "plan" else follow_up
        with transaction.atomic():  # rolled back: every row starts from the same world
            ActionItem.objects.filter(pk=pk).update(**before)
            action = ActionItem.objects.get(pk=pk)
            if where == "page":
                response = client.post(reverse("inspections:action_detail", args=[pk]), posted)
            else:
                response = client.post(reverse("reports:action_edit", args=[pk]), _edit_form(action, posted))
            action.refresh_from_db()
            verifier = next((role for role, user in users.items() if user.pk == action.verified_by_id), None)
            state = {"status": action.status, "due_date": action.due_date, "verified_by": verifier}
            transaction.set_rollback(True)
        got = {field: state[field] for field in after}
        if (str(response.status_code), got) != (code, after):
            mismatches.append(f"{who} {where} {posted}: got {response.status_code} {got}, expected {code} {after}")
    assert not mismatches, "\n".join(mismatches)


# --- Offices give roles only where they may (office:person_add, office:role_add) -----------------


def test_offices_never_add_a_person_outside_their_reach_or_at_a_province(demo, client_for):
    """A district office (Thọ Xuân, with the province's office above it), the other district's office and
    a commune's own office post a complete form for a unit they may not give roles at: the form comes back
    (400) and no account is made."""
    from django.contrib.auth import get_user_model

    from communes.models import AdministrativeUnit, Role, UnitLevel
    from ntm_portal.demo import XUAN_HOA_CODE, XUAN_TRUONG_CODE, make_member

    province = AdministrativeUnit.objects.get(code="38")
    district = AdministrativeUnit.objects.get(code="395")
    nhu_xuan = AdministrativeUnit.objects.create(
        code="402", name="Huyện Như Xuân", level=UnitLevel.DISTRICT, parent=province
    )
    make_member("vpdp_tinh", Role.OFFICE, province)
    offices = {
        "district": get_user_model().objects.get(username="vpdp_thoxuan"),
        "other_district": make_member("vpdp_khac", Role.OFFICE, nhu_xuan),
        "commune": make_member("vp_xa_xuantruong", Role.OFFICE, AdministrativeUnit.objects.get(code=XUAN_TRUONG_CODE)),
    }
    refused = [
        ("district", province, Role.LEADER),
        ("district", district, Role.OFFICE),
        ("other_district", AdministrativeUnit.objects.get(code=XUAN_TRUONG_CODE), Role.COMMUNE_OFFICIAL),
        ("commune", district, Role.LEADER),
        ("commune", AdministrativeUnit.objects.get(code=XUAN_HOA_CODE), Role.COMMUNE_OFFICIAL),
        ("commune", province, Role.LEADER),
    ]
    for who, unit, role in refused:
        response = client_for(offices[who]).post(
            reverse("office:person_add"),
            {
                "username": "nguoi_moi",
                "last_name": "Lê",
                "first_name": "An",
                "email": "an@example.org",
                "role": role,
                "unit": unit.pk,
                "valid_from": "01/05/2021",
            },
        )
        assert response.status_code == 400, (who, unit.code)
        assert not get_user_model().objects.filter(username="nguoi_moi").exists(), (who, unit.code)
    # …and the district office does add one at its own commune.
    response = client_for(offices["district"]).post(
        reverse("office:person_add"),
        {
            "username": "nguoi_moi",
            "last_name": "Lê",
            "first_name": "An",
            "email": "an@example.org",
            "role": Role.COMMUNE_OFFICIAL,
            "unit": AdministrativeUnit.objects.get(code=XUAN_HOA_CODE).pk,
            "valid_from": "01/05/2021",
        },
    )
    assert response.status_code == 302
