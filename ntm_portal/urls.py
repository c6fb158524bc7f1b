from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from . import views
from .accounts import SiteUrlPasswordResetForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("i18n/setlang/", views.language_switch, name="set_language"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=SiteUrlPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("units/", include("communes.urls")),
    path("criteria/", include("criteria.urls")),
    path("reports/", include("reports.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("meetings/", include("meetings.urls")),
    path("notifications/", include("notifications.urls")),
    path("inspections/", include("inspections.urls")),
    path("office/", include("office.urls")),
    path("admin/", admin.site.urls),
    # Addresses from before `reports` was split (bookmarks, links in old mails) lead to the same pages.
    re_path(r"^reports/dashboard/(?P<rest>.*)$", views.moved_to("/dashboards/"), name="moved_dashboard"),
    re_path(r"^reports/commune/(?P<rest>.*)$", views.moved_to("/dashboards/commune/"), name="moved_commune"),
    re_path(r"^reports/meetings/(?P<rest>.*)$", views.moved_to("/meetings/"), name="moved_meetings"),
    re_path(r"^reports/notifications/(?P<rest>.*)$", views.moved_to("/notifications/"), name="moved_notifications"),
]


def _superusers_only(request):
    """The Django admin is for superusers (operators); offices manage people, enrolments and imports on
    the portal's own pages (office app), which apply its rules."""
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only
admin.site.site_header = "Cổng thông tin Nông thôn mới"
admin.site.site_title = "Quản trị Cổng NTM"
