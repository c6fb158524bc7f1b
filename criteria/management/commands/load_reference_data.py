"""Load the reference data every environment needs: administrative units and criteria sets.

Idempotent: running it again changes nothing unless the shipped files changed.
"""

import csv
import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from communes.services import units_import
from core.tabular import ImportFileError
from criteria.services import criteria_set_import

COMMUNES_DATA = Path(__file__).resolve().parents[3] / "communes" / "data"
CRITERIA_DATA = Path(__file__).resolve().parents[2] / "data"


def _day(value):
    return datetime.date.fromisoformat(value) if value else None


class Command(BaseCommand):
    help = "Nạp dữ liệu tham chiếu: đơn vị hành chính và các bộ tiêu chí đi kèm dự án."

    def handle(self, *args, **options):
        try:
            summary = units_import(COMMUNES_DATA / "units_thanh_hoa.csv")
            self.stdout.write(f"Đơn vị hành chính Thanh Hóa: {summary}.")
            with open(CRITERIA_DATA / "sets.csv", encoding="utf-8") as manifest:
                for entry in csv.DictReader(manifest):
                    criteria_set = criteria_set_import(
                        CRITERIA_DATA / entry["file"],
                        code=entry["code"],
                        name=entry["name"],
                        legal_basis=entry["legal_basis"],
                        level=entry["level"],
                        verified=entry["verified"] == "1",
                        effective_from=_day(entry.get("effective_from", "")),
                        effective_until=_day(entry.get("effective_until", "")),
                    )
                    self.stdout.write(
                        f"Bộ tiêu chí {criteria_set.code}: {criteria_set.criteria.count()} tiêu chí, "
                        f"{criteria_set.indicators.count()} tiểu tiêu chí."
                    )
        except ImportFileError as exc:
            raise CommandError(f"Dữ liệu tham chiếu lỗi:\n{exc}") from exc
        self.stdout.write(self.style.SUCCESS("Đã nạp dữ liệu tham chiếu."))
