"""The attendance pages."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "attendance"

urlpatterns = [
    path("attendance/classes/<uuid:class_uuid>/", views.register, name="register"),
    path("attendance/pupils/<uuid:student_uuid>/", views.pupil_attendance, name="pupil"),
    path(
        "attendance/pupils/<uuid:student_uuid>/justify/",
        views.pupil_justify,
        name="pupil_justify",
    ),
    path("attendance/schools/<uuid:school_uuid>/", views.school_attendance, name="school"),
    path(
        "attendance/schools/<uuid:school_uuid>/justifications/",
        views.school_decide,
        name="school_decide",
    ),
    path("attendance/status/", views.status_page, name="status"),
]
