"""Account pages where the portal differs from django.contrib.auth's defaults."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm


class SiteUrlPasswordResetForm(PasswordResetForm):
    """The reset link points at SITE_URL, never at the request's Host header: a forged Host would mail a
    real user a valid reset token inside a link to somebody else's site."""

    def save(self, **kwargs):
        site = urlsplit(settings.SITE_URL)
        kwargs.update(domain_override=site.netloc, use_https=site.scheme == "https")
        return super().save(**kwargs)
