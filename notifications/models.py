from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import texts


class Notification(models.Model):
    """An entry of a user's in-portal inbox: a kind and its parameters, worded when it is read (in the
    reader's language). `title`/`body` hold the text of entries stored before kinds existed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("loại"), max_length=40, blank=True)
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    title = models.CharField(_("tiêu đề"), max_length=300, blank=True)
    body = models.TextField(_("nội dung"), blank=True)
    url = models.CharField(_("liên kết"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("lúc"), auto_now_add=True)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("đã gửi email lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        # The name it was given when the model lived in `reports` (the table and its index moved with it).
        indexes = [models.Index(fields=["user", "read_at"], name="reports_not_user_id_000928_idx")]

    def __str__(self):
        return self.title_text

    def _rendered(self):
        if not self.kind:
            return self.title, self.body
        cached = getattr(self, "_rendered_texts", None)
        if cached is None or cached[0] != translation.get_language():
            cached = (translation.get_language(), texts.render(self.kind, self.params))
            self._rendered_texts = cached
        return cached[1]

    @property
    def title_text(self):
        return self._rendered()[0]

    @property
    def body_text(self):
        return self._rendered()[1]
