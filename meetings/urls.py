from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("new/", views.meeting_create, name="meeting_create"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("<int:pk>/remarks/", views.remark_add, name="meeting_remark_add"),
    path("<int:pk>/directives/", views.directive_add, name="meeting_directive_add"),
    path("<int:pk>/finalise/", views.meeting_finalise, name="meeting_finalise"),
    path("<int:pk>/reopen/", views.meeting_reopen, name="meeting_reopen"),
    path("<int:pk>/render/", views.meeting_render, name="meeting_render"),
    path("<int:pk>/pdf/", views.meeting_pdf, name="meeting_pdf"),
    path("<int:pk>/pdf/status/", views.meeting_pdf_status, name="meeting_pdf_status"),
]
