"""The marks pages (under marks/)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "marks"

urlpatterns = [
    path("marks/classes/<uuid:class_uuid>/", views.class_marks, name="class_marks"),
    path(
        "marks/classes/<uuid:class_uuid>/assessments/",
        views.assessment_create,
        name="assessment_create",
    ),
    path("marks/assessments/<uuid:assessment_uuid>/", views.grid, name="grid"),
    path("marks/assessments/<uuid:assessment_uuid>/history/", views.history, name="history"),
    path("marks/pupils/<uuid:student_uuid>/", views.pupil_marks_page, name="pupil_marks"),
    path("marks/schools/<uuid:school_uuid>/closure/", views.term_closure, name="term_closure"),
    path(
        "marks/schools/<uuid:school_uuid>/requests/",
        views.change_requests,
        name="change_requests",
    ),
    path(
        "marks/requests/<uuid:request_uuid>/decision/",
        views.change_decide,
        name="change_decide",
    ),
]
