import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports import services
from reports.models import EvidenceFile, IndicatorStatus, MonthlyReport, ReportStatus
from reports.selectors import report_statuses
from reports.tests.test_views import png_bytes


@pytest.fixture
def staff(db):
    """A staff member with every permission on the reports app (what an admin group would grant)."""
    user = get_user_model().objects.create_user("nhanvien", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="reports"))
    return user


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("quantri", email="quantri@example.org")


@pytest.fixture
def submitted(filled, users):
    return services.report_submit(report=filled, user=users["xa_xuantruong"])


@pytest.mark.parametrize("who", ["staff", "office"])
def test_the_admin_is_for_superusers_only(submitted, request, client_for, users, who):
    """Staff with every permission of the app, or a coordination office: the admin sends them to its login."""
    user = users["vpdp_thoxuan"] if who == "office" else request.getfixturevalue(who)
    client = client_for(user)
    for url in (
        reverse("admin:index"),
        reverse("admin:reports_monthlyreport_change", args=[submitted.pk]),
        reverse("admin:auth_user_changelist"),
        reverse("admin:communes_membership_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), url


def test_the_admin_shows_a_report_but_cannot_change_it(submitted, superuser, client_for):
    client = client_for(superuser)
    url = reverse("admin:reports_monthlyreport_change", args=[submitted.pk])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "Đã nộp" in body
    for field in ("status", "criteria_met", "met_criteria", "is_late", "review_comment", "commune", "period"):
        assert f'name="{field}"' not in body, field
    response = client.post(
        url,
        {
            "commune": submitted.commune_id,
            "period": submitted.period_id,
            "criteria_set": submitted.criteria_set_id,
            "status": ReportStatus.ACCEPTED,
            "version": submitted.version,
            "criteria_met": 15,
            "met_criteria": "[]",
        },
    )
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert (submitted.status, submitted.criteria_met) == (ReportStatus.SUBMITTED, 9)
    assert client.get(reverse("admin:reports_monthlyreport_add")).status_code == 403
    delete_url = reverse("admin:reports_monthlyreport_delete", args=[submitted.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert MonthlyReport.objects.filter(pk=submitted.pk).exists()


def test_the_admin_cannot_revert_a_report_to_an_earlier_version(submitted, superuser, client_for):
    draft = submitted.history.filter(status=ReportStatus.DRAFT).first()
    url = reverse("admin:reports_monthlyreport_simple_history", args=[submitted.pk, draft.history_id])
    client = client_for(superuser)
    assert client.get(url).status_code == 200  # looking at an earlier version stays possible
    assert client.post(url, {}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == ReportStatus.SUBMITTED


def test_the_admin_cannot_change_a_met_flag(filled, superuser, client_for):
    status = IndicatorStatus.objects.filter(report=filled, met=False).first()
    url = reverse("admin:reports_indicatorstatus_change", args=[status.pk])
    client = client_for(superuser)
    assert 'name="met"' not in client.get(url).content.decode()
    response = client.post(url, {"report": filled.pk, "indicator": status.indicator_id, "met": "true"})
    assert response.status_code == 403
    status.refresh_from_db()
    assert status.met is False


@pytest.mark.parametrize(
    "model", ["reports_evidencefile", "inspections_actionitem", "core_outboxentry", "office_accountchange"]
)
def test_workflow_records_are_view_only_in_the_admin(superuser, client_for, model):
    client = client_for(superuser)
    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{model}_add")).status_code == 403


def test_the_admin_shows_where_a_file_is_stored_but_never_links_to_it(report, users, superuser, client_for):
    """The admin's own display of a file field is a link to its `.url`: on the S3 store a presigned address that
    skips the portal's permission check. It shows the stored name instead; the file is served by the portal."""
    status = report_statuses(report)[0]
    services.report_save(
        report=report,
        user=users["xa_xuantruong"],
        answers={},
        expected_version=report.version,
        evidence={status.pk: [SimpleUploadedFile("bien-ban.png", png_bytes())]},
    )
    evidence = EvidenceFile.objects.get()
    client = client_for(superuser)
    history_id = evidence.history.get().history_id
    for url in (
        reverse("admin:reports_evidencefile_change", args=[evidence.pk]),
        reverse("admin:reports_evidencefile_simple_history", args=[evidence.pk, history_id]),
    ):
        body = client.get(url).content.decode()
        assert evidence.file.name in body and "bien-ban.png" in body, url
        assert f'href="{evidence.file.url}"' not in body and 'href="/media/' not in body, url
