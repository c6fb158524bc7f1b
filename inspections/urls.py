from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("", views.inspection_list, name="inspection_list"),
    path("new/", views.inspection_create, name="inspection_create"),
    path("<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("<int:pk>/visits/new/", views.visit_create, name="visit_create"),
    path("visits/<int:pk>/findings/new/", views.finding_create, name="finding_create"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("findings/<int:pk>/follow-up/", views.follow_up_create, name="follow_up_create"),
    path("findings/<int:pk>/resolve/", views.finding_resolve, name="finding_resolve"),
    path("photos/<int:pk>/<str:variant>/", views.photo_file, name="photo_file"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/evidence/", views.action_evidence, name="action_evidence"),
]
