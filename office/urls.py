from django.urls import path

from . import views_enrolments, views_imports, views_people

app_name = "office"
urlpatterns = [
    path("", views_people.office_home, name="home"),
    # People: accounts and their roles at the office's units.
    path("people/", views_people.person_list, name="person_list"),
    path("people/add/", views_people.person_add, name="person_add"),
    path("people/<int:pk>/", views_people.person_detail, name="person_detail"),
    path("people/<int:pk>/details/", views_people.person_edit, name="person_edit"),
    path("people/<int:pk>/roles/add/", views_people.role_add, name="role_add"),
    path("people/<int:pk>/roles/<int:membership>/", views_people.role_edit, name="role_edit"),
    path("people/<int:pk>/active/", views_people.person_active, name="person_active"),
    path("people/<int:pk>/link/", views_people.person_send_link, name="person_send_link"),
    # Enrolments: which set each commune reports on, from which month.
    path("enrolments/", views_enrolments.enrolment_list, name="enrolment_list"),
    path("enrolments/change/", views_enrolments.enrolment_change, name="enrolment_change"),
    # Imports: unit and criteria files, previewed before they are applied.
    path("imports/", views_imports.import_list, name="import_list"),
    path("imports/new/<str:kind>/", views_imports.import_new, name="import_new"),
    path("imports/<int:pk>/", views_imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/apply/", views_imports.import_apply, name="import_apply"),
    path("imports/<int:pk>/file/", views_imports.import_file, name="import_file"),
]
