"""Load the reference data every environment needs: administrative units and criteria sets.

Idempotent: running it again changes nothing unless the shipped files changed.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from communes.services import units_import
from core.tabular import ImportFileError
from criteria.reference import shipped_set_import, shipped_sets

COMMUNES_DATA = Path(__file__).resolve().parents[3] / "communes" / "data"


class Command(BaseCommand):
    help = "Nạp dữ liệu tham chiếu: đơn vị hành chính và các bộ tiêu chí đi kèm dự án."

    def handle(self, *args, **options):
        try:
            summary = units_import(COMMUNES_DATA / "units_thanh_hoa.csv")
            self.stdout.write(f"Đơn vị hành chính Thanh Hóa: {summary}.")
            for entry in shipped_sets():
                criteria_set = shipped_set_import(entry["code"])
                self.stdout.write(
                    f"Bộ tiêu chí {criteria_set.code}: {criteria_set.criteria.count()} tiêu chí, "
                    f"{criteria_set.indicators.count()} tiểu tiêu chí."
                )
        except ImportFileError as exc:
            raise CommandError(f"Dữ liệu tham chiếu lỗi:\n{exc}") from exc
        self.stdout.write(self.style.SUCCESS("Đã nạp dữ liệu tham chiếu."))
