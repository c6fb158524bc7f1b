import datetime

from django.core.management.base import BaseCommand, CommandError

from reports import reminders


class Command(BaseCommand):
    help = "Chạy việc nhắc hạn nộp báo cáo (như lịch 07:30 hằng ngày), đồng bộ, và in những gì đã gửi."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Chạy như thể hôm nay là ngày này (YYYY-MM-DD).")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ in những gì sẽ gửi, không gửi.")

    def handle(self, *args, date, dry_run, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError(f"Ngày không hợp lệ: {date} (cần YYYY-MM-DD)") from exc
        planned, results = reminders.run(today, dry_run=dry_run)
        verb = "Sẽ gửi" if dry_run else "Đã lập"
        self.stdout.write(f"{verb} {len(planned)} nhắc nhở:")
        for item in planned:
            extra = f" ({len(item.late_communes)} xã chậm nộp)" if item.late_communes else ""
            self.stdout.write(f"  {item.period} · {item.kind:<8} · {item.unit.name}{extra}")
        if not dry_run:
            sent = {}
            for _pk, state in results:
                sent[state] = sent.get(state, 0) + 1
            summary = ", ".join(f"{state}: {n}" for state, n in sorted(sent.items(), key=str)) or "không có gì"
            self.stdout.write(self.style.SUCCESS(f"Kết quả gửi: {summary}."))
