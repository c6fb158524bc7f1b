"""Dashboard pages kept rendered under the version of the data (data_version), so that a page is built
once per change of the data, not once per reader.

A cached page can never be stale: its key holds the data version read before the page was built, and
every committed change to the data the dashboards read bumps that version (database triggers). It also
holds everything else the page depends on: the reader (their reach, departments and dashboard units),
the language, the local hour (deadlines count days) and the full address (unit, period, set, filters).
Exports are never cached; access is checked before the cache is asked.
"""

import hashlib

from django.core.cache import cache
from django.http import HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from . import data_version

# dashboards/_parts.html, which the page templates extend, puts this mark between the title and the body.
PARTS_MARK = "<!--ntm:parts-->"
TIMEOUT = 3600  # seconds; an entry of an older version is never read again, this only frees memory


def page_key(request, version: int) -> str:
    now = timezone.localtime()
    raw = f"{version}|{request.user.pk}|{get_language()}|{now:%Y%m%d%H}|{request.get_full_path()}"
    return "dashboards:page:" + hashlib.sha256(raw.encode()).hexdigest()


def version_for(request) -> int | None:
    """The data version, read once per request (a page and its footer use the same)."""
    if not hasattr(request, "_ntm_data_version"):
        request._ntm_data_version = data_version.current()
    return request._ntm_data_version


def per_reader(name: str, request, compute):
    """`compute()` for the request's user, kept under the data version (and the local day) like a page:
    for what every page shows about its reader, such as the criteria sets in the footer."""
    user = request.user
    version = version_for(request)
    if version is None or not user.is_authenticated:
        return compute()
    key = f"dashboards:reader:{name}:{version}:{user.pk}:{timezone.localdate():%Y%m%d}:{get_language()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value


def cached_page(request, build):
    """The page `build()` makes, from the cache when the data has not changed since it was made.

    `build()` returns (template name, context) for a page template extending dashboards/_parts.html, or a
    response of its own (a redirect), which is returned as it is and not cached."""
    version = version_for(request)
    key = page_key(request, version) if version is not None else None
    parts = cache.get(key) if key else None
    if parts is None:
        built = build()
        if isinstance(built, HttpResponseBase):
            return built
        template_name, context = built
        title, body = render_to_string(template_name, context, request).split(PARTS_MARK, 1)
        parts = (title.strip(), body)
        if key:
            cache.set(key, parts, TIMEOUT)
    title, body = parts
    return render(request, "dashboards/page.html", {"page_title": mark_safe(title), "body": mark_safe(body)})  # noqa: S308 - rendered by our templates, escaped there
