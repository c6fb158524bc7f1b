from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.dashboard_home, name="home"),
    path("commune/<str:code>/", views.dashboard_commune, name="commune"),
    path("<str:code>/", views.dashboard_overview, name="overview"),
    path("<str:code>/matrix/", views.dashboard_matrix, name="matrix"),
    path("<str:code>/rollup/", views.dashboard_rollup, name="rollup"),
    path("<str:code>/summary/", views.dashboard_summary, name="summary"),
    path("<str:code>/export/", views.dashboard_long_export, name="long_export"),
    path("<str:code>/criterion/<int:number>/", views.dashboard_criterion, name="criterion"),
]
