from django.core.management.base import BaseCommand, CommandError

from communes.services import units_import
from core.tabular import ImportFileError


class Command(BaseCommand):
    help = "Nhập đơn vị hành chính từ tệp CSV hoặc XLSX (code, name, level, parent_code, valid_from)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run", action="store_true", help="Chỉ liệt kê những thay đổi, không ghi gì vào cơ sở dữ liệu."
        )

    def handle(self, *args, file, dry_run, **options):
        try:
            # The same service as the office's import page (office.imports): one code path.
            summary = units_import(file, dry_run=dry_run)
        except FileNotFoundError as exc:
            raise CommandError(f"Không tìm thấy tệp: {file}") from exc
        except ImportFileError as exc:
            raise CommandError(f"Không nhập được tệp {file}; dữ liệu không thay đổi.\n{exc}") from exc
        if dry_run or options["verbosity"] > 1:
            for line, text in summary.changes:
                self.stdout.write(f"Dòng {line}: {text}")
        if dry_run:
            self.stdout.write(f"Chạy thử, dữ liệu không thay đổi. Đơn vị hành chính: {summary}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Đơn vị hành chính: {summary}."))
