from django.core.management.base import BaseCommand

from reports.services import periods_ensure_ahead


class Command(BaseCommand):
    help = "Tạo trước các kỳ báo cáo: tháng này và N tháng tới (mặc định 2). Chạy lại nhiều lần vẫn an toàn."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=2)

    def handle(self, *args, months, **options):
        periods = periods_ensure_ahead(months_ahead=months)
        self.stdout.write(", ".join(f"{p} (hạn {p.deadline:%d/%m/%Y})" for p in periods))
