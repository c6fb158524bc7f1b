"""/healthz for monitoring that asks gunicorn directly: `curl -fsS http://127.0.0.1:8000/healthz`."""

from .views import healthz


class HealthProbeMiddleware:
    """Answer /healthz first, before SecurityMiddleware and the Host header check.

    A probe on gunicorn's own address sends a Host header that ALLOWED_HOSTS does not list (400) over plain
    HTTP (SECURE_SSL_REDIRECT: 301), so it would never see the answer. The answer builds nothing from the
    Host header (no link, no cookie) and tells only whether the database and the broker answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)
