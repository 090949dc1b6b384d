"""The school health pages."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "health"

urlpatterns = [
    path("health/pupils/<uuid:student_uuid>/", views.pupil_health, name="pupil"),
    path("health/pupils/<uuid:student_uuid>/consent/", views.pupil_consent, name="consent"),
    path("health/schools/<uuid:school_uuid>/", views.school_health, name="school"),
]
