from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from communes.services import profile_set_language

from . import health
from .home import home_context, home_template


@login_required
def home(request):
    role, context = home_context(request.user)
    return render(request, home_template(role), context)


@never_cache
@require_GET
def healthz(request):
    status = {"database": health.database_status(), "broker": health.broker_status()}
    healthy = all(part["ok"] for part in status.values())
    status["status"] = "ok" if healthy else "error"
    return JsonResponse(status, status=200 if healthy else 503)


def favicon(request):
    # Browsers ask for /favicon.ico by themselves; the file lives with the other static assets.
    return HttpResponsePermanentRedirect(static("favicon.ico"))


@require_POST
def language_switch(request):
    """Django's language switch, and for a signed-in person their choice is remembered for mail."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        profile_set_language(user=request.user, language=language)
    return response


def moved_to(prefix):
    """A view sending an address of the old layout (`/reports/dashboard/…`) to its new home (`prefix` + the
    rest of the path, with the query string): 301 for a page, 308 for a form posted from an old page."""

    def redirect_view(request, rest=""):
        target = prefix + rest
        if request.META.get("QUERY_STRING"):
            target += "?" + request.META["QUERY_STRING"]
        response = HttpResponsePermanentRedirect(target)
        if request.method not in ("GET", "HEAD"):
            response.status_code = 308
        return response

    return redirect_view
