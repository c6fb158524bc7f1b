"""The inspections workbook writes typed text as text, even when it looks like a formula (issue 14)."""

import datetime
import io

from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from communes.models import AdministrativeUnit
from criteria.models import Indicator
from inspections import services

FORMULA = '=HYPERLINK("http://x","y")'


def test_export_writes_formula_looking_findings_as_text(demo, client_for):
    users = {u.username: u for u in get_user_model().objects.all()}
    inspector = users["totrt_thoxuan"]
    inspection = services.inspection_create(
        commune=AdministrativeUnit.objects.get(code="15514"),
        date=datetime.date(2021, 4, 14),
        team_name="+Tổ công tác số 1",
        leader=inspector,
        created_by=inspector,
    )
    visit = services.visit_add(inspection=inspection, site_type="school", name="@Trường THCS Xuân Trường")
    services.finding_add(
        visit=visit,
        indicator=Indicator.objects.get(criteria_set__code="minh-hoa-nang-cao-15-41", code="5.1"),
        assessment="serious",
        shortcoming=FORMULA,
        recommendation="-Sửa ngay",
        user=inspector,
    )

    response = client_for(users["vpdp_thoxuan"]).get(reverse("inspections:inspection_list") + "?format=xlsx")

    row = list(load_workbook(io.BytesIO(response.content)).active[2])
    cells = {i: (row[i].value, row[i].data_type) for i in (2, 4, 10, 11)}
    assert cells == {
        2: ("+Tổ công tác số 1", "s"),
        4: ("@Trường THCS Xuân Trường", "s"),
        10: (FORMULA, "s"),
        11: ("-Sửa ngay", "s"),
    }
    assert row[0].data_type == "d"  # the date stays a date
