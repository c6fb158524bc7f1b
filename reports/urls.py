from django.urls import path

from . import views, views_dashboard, views_meetings, views_plan

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("open/<str:code>/<int:year>/<int:month>/", views.report_open, name="report_open"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("<int:pk>/preview/", views.report_preview, name="report_preview"),
    path("<int:pk>/review/", views.report_review, name="report_review"),
    path("<int:pk>/reopen/", views.report_reopen, name="report_reopen"),
    path("<int:pk>/history/", views.report_history, name="report_history"),
    path("<int:pk>/xlsx/", views.report_xlsx, name="report_xlsx"),
    path("<int:pk>/xlsx/upload/", views.report_xlsx_upload, name="report_xlsx_upload"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("periods/", views.period_list, name="period_list"),
    path("periods/<int:pk>/deadline/", views.period_deadline, name="period_deadline"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.notification_read, name="notification_read"),
    path("plan/<str:code>/", views_plan.action_plan, name="action_plan"),
    path("plan/action/<int:pk>/", views_plan.action_edit, name="action_edit"),
]

urlpatterns += [
    path("dashboard/", views_dashboard.dashboard_home, name="dashboard_home"),
    path("dashboard/<str:code>/", views_dashboard.dashboard_overview, name="dashboard_overview"),
    path("dashboard/<str:code>/matrix/", views_dashboard.dashboard_matrix, name="dashboard_matrix"),
    path("dashboard/<str:code>/rollup/", views_dashboard.dashboard_rollup, name="dashboard_rollup"),
    path("dashboard/<str:code>/summary/", views_dashboard.dashboard_summary, name="dashboard_summary"),
    path("dashboard/<str:code>/export/", views_dashboard.dashboard_long_export, name="dashboard_long_export"),
    path(
        "dashboard/<str:code>/criterion/<int:number>/",
        views_dashboard.dashboard_criterion,
        name="dashboard_criterion",
    ),
    path("commune/<str:code>/", views_dashboard.dashboard_commune, name="dashboard_commune"),
]

urlpatterns += [
    path("meetings/", views_meetings.meeting_list, name="meeting_list"),
    path("meetings/new/", views_meetings.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views_meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views_meetings.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/remarks/", views_meetings.remark_add, name="meeting_remark_add"),
    path("meetings/<int:pk>/directives/", views_meetings.directive_add, name="meeting_directive_add"),
    path("meetings/<int:pk>/finalise/", views_meetings.meeting_finalise, name="meeting_finalise"),
    path("meetings/<int:pk>/reopen/", views_meetings.meeting_reopen, name="meeting_reopen"),
    path("meetings/<int:pk>/render/", views_meetings.meeting_render, name="meeting_render"),
    path("meetings/<int:pk>/pdf/", views_meetings.meeting_pdf, name="meeting_pdf"),
    path("meetings/<int:pk>/pdf/status/", views_meetings.meeting_pdf_status, name="meeting_pdf_status"),
]
