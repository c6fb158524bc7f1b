from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from communes.models import AdministrativeUnit
from notifications.models import Notification
from ntm_portal.demo import DEMO_PASSWORD, DISTRICT_CODE, seed


class Command(BaseCommand):
    help = "Tạo dữ liệu minh họa (huyện Thọ Xuân, Thanh Hóa). Chạy lại nhiều lần vẫn an toàn."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Cho phép chạy khi DEBUG tắt (không khuyến nghị).")

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG đang tắt: không tạo dữ liệu minh họa trên hệ thống thật (dùng --force nếu chắc chắn)."
            )
        if not AdministrativeUnit.objects.filter(code=DISTRICT_CODE).exists():
            call_command("load_reference_data", stdout=self.stdout)
        # The demo never mails anybody: its story (submissions, returns, …) fills the inbox of the demo
        # users, and the notifications it creates are marked as mailed before the one transaction commits,
        # so the mail tasks handed over at commit (or later by the outbox sweep) find nothing to send.
        with transaction.atomic():
            last_before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
            users = seed()
            Notification.objects.filter(pk__gt=last_before, emailed_at=None).update(emailed_at=timezone.now())
        self.stdout.write(
            self.style.SUCCESS("Dữ liệu minh họa đã sẵn sàng. Tài khoản (mật khẩu chung: %s):" % DEMO_PASSWORD)
        )
        for demo in users:
            self.stdout.write(f"  {demo.username:<18} {demo.last_name} {demo.first_name} — {demo.position}")
