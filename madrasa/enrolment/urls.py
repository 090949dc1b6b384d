"""The enrolment pages. The school page and the pupil profile keep their registry names and are
routed in madrasa/urls.py (see views.py)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "enrolment"

urlpatterns = [
    path("schools/<uuid:school_uuid>/classes/new/", views.class_create, name="class_create"),
    path("schools/<uuid:school_uuid>/enrol/", views.enrol_existing, name="enrol"),
    path("schools/<uuid:school_uuid>/enrol/new/", views.enrol_new, name="enrol_new"),
    path("schools/<uuid:school_uuid>/decisions/", views.school_decisions, name="school_decisions"),
    path("classes/<uuid:class_uuid>/", views.class_detail, name="class_detail"),
    path(
        "classes/<uuid:class_uuid>/teachers/",
        views.class_assign_teacher,
        name="class_assign_teacher",
    ),
    path("classes/<uuid:class_uuid>/decisions/", views.class_decisions, name="class_decisions"),
    path("enrolments/<uuid:enrolment_uuid>/move/", views.enrolment_move, name="enrolment_move"),
    path("pupils/<uuid:student_uuid>/transfer/", views.transfer_request, name="transfer_request"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/<uuid:transfer_uuid>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<uuid:transfer_uuid>/decision/", views.transfer_decide, name="transfer_decide"),
    path("transfers/<uuid:transfer_uuid>/cancel/", views.transfer_cancel, name="transfer_cancel"),
    path("duplicates/", views.duplicate_list, name="duplicate_list"),
    path("duplicates/<int:candidate_id>/", views.duplicate_detail, name="duplicate_detail"),
    path("duplicates/<int:candidate_id>/merge/", views.duplicate_merge, name="duplicate_merge"),
    path(
        "duplicates/<int:candidate_id>/dismiss/",
        views.duplicate_dismiss,
        name="duplicate_dismiss",
    ),
]
