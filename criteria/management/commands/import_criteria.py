import datetime

from django.core.management.base import BaseCommand, CommandError

from core.tabular import ImportFileError
from criteria.models import SetLevel
from criteria.services import criteria_set_import_with_changes


def _day(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Ngày “{value}” không hợp lệ (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "Nhập một bộ tiêu chí từ tệp CSV hoặc XLSX (định dạng DESIGN §6)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--code", required=True, help="Mã bộ tiêu chí (chữ thường, gạch nối).")
        parser.add_argument("--name", required=True, help="Tên bộ tiêu chí.")
        parser.add_argument("--legal-basis", default="", help="Căn cứ pháp lý, ví dụ: QĐ 318/QĐ-TTg ngày 08/3/2022.")
        parser.add_argument("--level", default=SetLevel.ADVANCED, choices=["ntm", "advanced", "model"])
        parser.add_argument("--verified", action="store_true", help="Nội dung đã đối chiếu với văn bản gốc.")
        parser.add_argument("--effective-from", type=_day, default=None, help="Áp dụng từ ngày (YYYY-MM-DD).")
        parser.add_argument("--effective-until", type=_day, default=None, help="Áp dụng đến ngày (YYYY-MM-DD).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Chỉ liệt kê những thay đổi, không ghi gì vào cơ sở dữ liệu."
        )

    def handle(
        self, *args, file, code, name, legal_basis, level, verified, effective_from, effective_until, dry_run, **options
    ):
        try:
            # The same service as the office's import page (office.imports), without its owner check.
            result = criteria_set_import_with_changes(
                file,
                code=code,
                name=name,
                legal_basis=legal_basis,
                level=level,
                verified=verified,
                effective_from=effective_from,
                effective_until=effective_until,
                dry_run=dry_run,
            )
        except FileNotFoundError as exc:
            raise CommandError(f"Không tìm thấy tệp: {file}") from exc
        except ImportFileError as exc:
            raise CommandError(f"Không nhập được tệp {file}; dữ liệu không thay đổi.\n{exc}") from exc
        if dry_run or options["verbosity"] > 1:
            for line, text in result.changes:
                self.stdout.write(f"Dòng {line}: {text}" if line else text)
        text = f"Bộ tiêu chí {code}: {result.criteria} tiêu chí, {result.indicators} tiểu tiêu chí."
        if dry_run:
            self.stdout.write(f"Chạy thử, dữ liệu không thay đổi. {text}")
        else:
            self.stdout.write(self.style.SUCCESS(text))
