from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from core.tabular import parse_date
from ntm_portal.mergers import units_merge


class Command(BaseCommand):
    help = (
        "Hợp nhất các đơn vị (--from) thành xã --into từ ngày --on: đơn vị cũ chấm dứt hiệu lực ngày hôm trước "
        "và giữ hồ sơ; đăng ký phấn đấu, việc chưa hoàn thành và phân quyền chuyển sang đơn vị kế thừa."
    )

    def add_arguments(self, parser):
        parser.add_argument("--into", required=True, help="Mã đơn vị kế thừa (có thể là mã của một đơn vị cũ).")
        parser.add_argument("--name", required=True, help="Tên đơn vị kế thừa.")
        parser.add_argument("--from", dest="from_codes", nargs="+", required=True, help="Mã các đơn vị hợp nhất.")
        parser.add_argument("--on", required=True, help="Ngày hiệu lực của đơn vị kế thừa (YYYY-MM-DD).")
        parser.add_argument("--parent", default="", help="Mã đơn vị cấp trên (mặc định: tỉnh của các đơn vị cũ).")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ in ra những gì sẽ làm, không thay đổi dữ liệu.")

    def handle(self, *args, into, name, from_codes, on, parent, dry_run, **options):
        try:
            day = parse_date(on)
        except ValueError:
            day = None
        if day is None:
            raise CommandError(f"Ngày “{on}” không hợp lệ (YYYY-MM-DD).")
        try:
            outcome = units_merge(
                into_code=into, name=name, from_codes=from_codes, on=day, parent_code=parent, dry_run=dry_run
            )
        except ApplicationError as exc:
            raise CommandError(f"Không hợp nhất được; dữ liệu không thay đổi.\n{exc}") from exc
        if dry_run:
            self.stdout.write("Chạy thử (--dry-run): dữ liệu không thay đổi.")
        for line in outcome.lines:
            self.stdout.write(f"  {line}")
        if not dry_run and outcome.changed:
            self.stdout.write(self.style.SUCCESS("Đã hợp nhất."))
