from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.outbox import sweep


class Command(BaseCommand):
    @property
    def help(self):  # argparse needs a plain string, translated when the command runs
        return _(
            "Chuyển lại cho worker những việc nền còn tồn (gửi email thông báo, tạo biên bản PDF, gửi nhắc nhở) "
            "mà hàng đợi chưa nhận hoặc đã làm mất, như lịch chạy hai phút một lần. Chạy lại nhiều lần vẫn an toàn."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--inline",
            action="store_true",
            help=_("Làm các việc đó ngay trong tiến trình này thay vì chuyển cho worker (khi không có worker)."),
        )

    def handle(self, *args, inline, **options):
        counts = sweep(inline=inline)
        self.stdout.write(
            _("Đã thử lại %(handed_over)s việc; %(done)s việc đã xong; bỏ %(given_up)s việc sau nhiều lần thử.")
            % counts
        )
        if counts["broker_down"]:
            raise CommandError(_("Không kết nối được hàng đợi (Redis): các việc còn lại sẽ được chuyển ở lần sau."))
