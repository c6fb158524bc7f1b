"""Pages kept rendered under the version of the data (data_version), so that a page is built once per change
of the data, not once per request: the dashboards and the commune official's report form.

A kept page can never be stale: its key holds the data version read before the page was built, and
every committed change to the data these pages read bumps that version (database triggers). It also
holds everything else the page depends on: the reader (their reach, departments and dashboard units),
the language, the local hour (deadlines count days) and the full address (unit, period, set, filters).
What belongs to the request is added when the page is served: the shell (menus, messages) and the CSRF
token of the page's forms. Exports are never kept; access is checked before the cache is asked.
"""

import hashlib

from django.core.cache import cache
from django.http import HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from . import data_version

# partials/_page_parts.html, which the page templates extend, puts this mark between the title, the head and
# the body.
PARTS_MARK = "<!--ntm:parts-->"
# What a kept page holds where a form's CSRF token goes: each reader's own token replaces it when served.
CSRF_PLACEHOLDER = "ntm-csrf-token-placeholder"
TIMEOUT = 3600  # seconds; an entry of an older version is never read again, this only frees memory


def page_key(request, version: tuple[int, int]) -> str:
    now = timezone.localtime()
    raw = f"{version}|{request.user.pk}|{get_language()}|{now:%Y%m%d%H}|{request.get_full_path()}"
    return "dashboards:page:" + hashlib.sha256(raw.encode()).hexdigest()


def version_for(request) -> tuple[int, int] | None:
    """The data version (ACTIVITY, STRUCTURE), read once per request (a page and its shell use the same)."""
    if not hasattr(request, "_ntm_data_version"):
        request._ntm_data_version = data_version.current()
    return request._ntm_data_version


def per_reader(name: str, request, compute, *, reads_activity: bool = False):
    """`compute()` for the request's user, kept under the data version (and the local day) like a page: for
    what every page shows about its reader and the reader's access to a page. By default it depends on the
    STRUCTURE tables only (units, memberships, criteria sets: it outlives the day's saves); with
    `reads_activity`, on the reporting data too."""
    user = request.user
    version = version_for(request)
    if version is None or not user.is_authenticated:
        return compute()
    number = f"{version[0]}.{version[1]}" if reads_activity else version[1]
    key = f"dashboards:reader:{name}:{number}:{user.pk}:{timezone.localdate():%Y%m%d}:{get_language()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value


def cached_page(request, build):
    """The page `build()` makes, from the cache when the data has not changed since it was made.

    `build()` returns (template name, context) for a page template extending partials/_page_parts.html, or a
    response of its own (a redirect), which is returned as it is and not cached."""
    version = version_for(request)
    key = page_key(request, version) if version is not None else None
    parts = cache.get(key) if key else None
    if parts is None:
        built = build()
        if isinstance(built, HttpResponseBase):
            return built
        parts = render_parts(request, *built)
        if key:
            cache.set(key, parts, TIMEOUT)
    return render_page(request, parts)


def render_parts(request, template_name: str, context: dict) -> tuple[str, str, str]:
    """(title, head, body) of a page template extending partials/_page_parts.html, with a placeholder for
    the CSRF token (see render_page): the parts can be kept for the next request of the same reader."""
    html = render_to_string(template_name, {**context, "csrf_token": CSRF_PLACEHOLDER}, request)
    title, head, body = html.split(PARTS_MARK, 2)
    return title.strip(), head, body


def render_page(request, parts: tuple[str, str, str], status: int = 200):
    """The page of `parts` (render_parts) in the portal's shell (base.html: menus, messages, footer), with
    this request's CSRF token in its forms."""
    title, head, body = (mark_safe(part) for part in parts)  # noqa: S308 - rendered by our templates, escaped there
    if CSRF_PLACEHOLDER in body:
        body = mark_safe(body.replace(CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308 - a token of [A-Za-z0-9]
    context = {"page_title": title, "page_head": head, "body": body}
    return render(request, "partials/page_shell.html", context, status=status)
