"""The bulletins pages, under bulletins/."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "bulletins"

urlpatterns = [
    path("bulletins/schools/<uuid:school_uuid>/", views.school_bulletins, name="school"),
    path(
        "bulletins/schools/<uuid:school_uuid>/compute/",
        views.school_compute,
        name="school_compute",
    ),
    path(
        "bulletins/schools/<uuid:school_uuid>/publish/",
        views.school_publish,
        name="school_publish",
    ),
    path("bulletins/runs/<uuid:run_uuid>/", views.run_progress_json, name="run_progress"),
    path("bulletins/classes/<uuid:class_uuid>/", views.class_bulletins_page, name="class"),
    path("bulletins/pupils/<uuid:student_uuid>/", views.pupil_bulletins_page, name="pupil"),
    path("bulletins/<uuid:bulletin_uuid>/", views.bulletin_detail, name="bulletin"),
    path("bulletins/<uuid:bulletin_uuid>/remarks/", views.bulletin_remarks, name="remarks"),
    path("bulletins/<uuid:bulletin_uuid>/pdf/", views.bulletin_pdf_view, name="pdf"),
    path("bulletins/<uuid:bulletin_uuid>/explain/", views.bulletin_explain, name="explain"),
]
