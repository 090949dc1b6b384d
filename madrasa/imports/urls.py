from __future__ import annotations

from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<uuid:batch_uuid>/", views.batch_detail, name="batch"),
    path("<uuid:batch_uuid>/progress/", views.batch_progress_json, name="progress"),
    path("<uuid:batch_uuid>/errors.csv", views.batch_errors_csv, name="errors_csv"),
]
