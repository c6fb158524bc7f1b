import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from criteria.models import CriteriaSet
from ntm_portal.scale_data import PASSWORD, ScaleGenerator, synthetic_set


class Command(BaseCommand):
    help = (
        "Sinh dữ liệu tổng hợp quy mô tỉnh hoặc toàn quốc để đo hiệu năng (mã đơn vị bắt đầu bằng SX, "
        "không trùng mã thật). Ví dụ: --provinces 1 --communes 600 --months 60."
    )

    def add_arguments(self, parser):
        parser.add_argument("--provinces", type=int, default=1, help="Số tỉnh (mặc định 1).")
        parser.add_argument("--communes", type=int, required=True, help="Tổng số xã, chia đều cho các tỉnh.")
        parser.add_argument("--months", type=int, default=12, help="Số tháng báo cáo, kết thúc ở tháng hiện tại.")
        parser.add_argument("--seed", type=int, default=1, help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu).")
        parser.add_argument("--per-district", type=int, default=25, help="Số xã bình quân mỗi huyện.")
        parser.add_argument(
            "--criteria-set",
            default="minh-hoa-nang-cao-15-41",
            help="Mã bộ tiêu chí đã nhập, hoặc TIÊU_CHÍxTIỂU_TIÊU_CHÍ (ví dụ 10x47) để tạo bộ tổng hợp.",
        )

    def handle(self, *args, provinces, communes, months, seed, per_district, criteria_set, **options):
        if provinces < 1 or communes < provinces or not 1 <= months <= 240 or per_district < 1:
            raise CommandError("Tham số không hợp lệ: cần ít nhất 1 tỉnh, mỗi tỉnh ít nhất 1 xã, từ 1 đến 240 tháng.")
        started = time.monotonic()
        chosen = self._criteria_set(criteria_set)
        result = ScaleGenerator(
            provinces=provinces,
            communes=communes,
            months=months,
            criteria_set=chosen,
            seed=seed,
            per_district=per_district,
        ).run()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã tạo {result.provinces} tỉnh, {result.districts} huyện, {result.communes} xã, "
                f"{result.users} tài khoản, {result.reports} báo cáo, {result.statuses} tình trạng tiểu tiêu chí, "
                f"{result.events} sự kiện, {result.inspections} đợt kiểm tra, {result.findings} kết quả kiểm tra, "
                f"{result.actions} nhiệm vụ trong {elapsed:.1f} giây (bộ tiêu chí {chosen.code})."
            )
        )
        self.stdout.write(f"Tài khoản văn phòng, ví dụ: {result.offices[0]} … (mật khẩu chung: {PASSWORD})")

    def _criteria_set(self, code):
        if "x" in code and code.replace("x", "").isdigit():
            criteria, indicators = (int(n) for n in code.split("x"))
            if not 1 <= criteria <= indicators <= 200:
                raise CommandError("Bộ tổng hợp cần 1 ≤ số tiêu chí ≤ số tiểu tiêu chí ≤ 200.")
            return synthetic_set(criteria, indicators)
        found = CriteriaSet.objects.filter(code=code).first()
        if found is None:
            call_command("load_reference_data", verbosity=0)
            found = CriteriaSet.objects.filter(code=code).first()
        if found is None:
            raise CommandError(f"Không có bộ tiêu chí mã “{code}”.")
        return found
