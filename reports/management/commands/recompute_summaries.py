from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.summaries import SummaryError, summaries_recompute


class Command(BaseCommand):
    @property
    def help(self):  # argparse needs a plain string, translated when the command runs
        return _(
            "Tính lại kết quả đạt của từng tiểu tiêu chí và số liệu tổng hợp đã lưu của các báo cáo tháng. "
            "Chạy lại nhiều lần vẫn an toàn."
        )

    def add_arguments(self, parser):
        parser.add_argument("--commune", metavar="CODE", help=_("Chỉ các báo cáo của xã có mã này."))
        parser.add_argument("--period", metavar="YYYY-MM", help=_("Chỉ các báo cáo của kỳ này."))

    def handle(self, *args, commune, period, **options):
        try:
            counts = summaries_recompute(commune_code=commune, period=period)
        except SummaryError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _(
                "Đã kiểm tra %(checked)s báo cáo; đã sửa %(changed)s báo cáo "
                "(%(statuses)s kết quả tiểu tiêu chí được tính lại)."
            )
            % {"checked": counts.checked, "changed": counts.changed, "statuses": counts.statuses_changed}
        )
