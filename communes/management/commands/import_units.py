from django.core.management.base import BaseCommand, CommandError

from communes.services import units_import
from core.tabular import ImportFileError


class Command(BaseCommand):
    help = "Nhập đơn vị hành chính từ tệp CSV hoặc XLSX (code, name, level, parent_code, valid_from)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            summary = units_import(file)
        except FileNotFoundError as exc:
            raise CommandError(f"Không tìm thấy tệp: {file}") from exc
        except ImportFileError as exc:
            raise CommandError(f"Không nhập được tệp {file}; dữ liệu không thay đổi.\n{exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Đơn vị hành chính: {summary}."))
