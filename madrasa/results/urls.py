"""The results pages: results day at /results/ (public), the exam administration under
/results/exams/ and /results/publications/."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "results"

urlpatterns: list[URLPattern] = [
    path("results/", views.public_index, name="public_index"),
    path("results/<uuid:session_uuid>/", views.public_lookup, name="public_lookup"),
    path("results/exams/", views.session_list, name="session_list"),
    path("results/exams/<uuid:session_uuid>/", views.session_detail, name="session_detail"),
    path("results/exams/<uuid:session_uuid>/import/", views.session_import, name="session_import"),
    path(
        "results/exams/<uuid:session_uuid>/compute/",
        views.session_compute,
        name="session_compute",
    ),
    path(
        "results/exams/<uuid:session_uuid>/publish/",
        views.session_publish,
        name="session_publish",
    ),
    path(
        "results/exams/<uuid:session_uuid>/results/",
        views.session_result_list,
        name="session_results",
    ),
    path(
        "results/publications/<uuid:publication_uuid>/",
        views.publication_detail,
        name="publication_detail",
    ),
]
