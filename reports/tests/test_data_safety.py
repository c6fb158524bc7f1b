import pytest
from django.db.models import ProtectedError

from reports import services
from reports.models import MonthlyReport


@pytest.fixture
def submitted(filled, users):
    return services.report_submit(report=filled, user=users["xa_xuantruong"])


def test_a_commune_with_reports_cannot_be_deleted(submitted):
    with pytest.raises(ProtectedError):
        submitted.commune.delete()
    assert MonthlyReport.objects.filter(pk=submitted.pk).exists()


def test_a_criteria_set_with_reports_cannot_be_deleted(submitted):
    with pytest.raises(ProtectedError):
        submitted.criteria_set.delete()


def test_a_user_who_submitted_reports_cannot_be_deleted(submitted, users):
    with pytest.raises(ProtectedError):
        users["xa_xuantruong"].delete()


def test_history_survives_every_transition_and_a_report_cannot_vanish_with_its_period(submitted, users):
    report = services.report_return(report=submitted, user=users["vpdp_thoxuan"], reason="Bổ sung")
    report = services.report_submit(report=report, user=users["xa_xuantruong"])
    report = services.report_accept(report=report, user=users["vpdp_thoxuan"])
    report = services.report_reopen(report=report, user=users["vpdp_thoxuan"], reason="Sai số liệu")
    kinds = list(report.history.order_by("history_date", "history_id").values_list("status", flat=True))
    assert kinds[-5:] == ["submitted", "returned", "submitted", "accepted", "returned"]
    with pytest.raises(ProtectedError):
        report.period.delete()
