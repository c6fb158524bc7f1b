from django.urls import path

from . import views, views_plan

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
    path("periods/<int:pk>/deadline/<str:code>/", views.period_deadline, name="period_deadline"),
    path("plan/<str:code>/", views_plan.action_plan, name="action_plan"),
    path("plan/action/<int:pk>/", views_plan.action_edit, name="action_edit"),
]
