"""The grading pages: /grading/ (the school years), /grading/<year>/ (a year's policy, coefficient
tables and exam schemes) and the ministry's edit pages under it."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "grading"

urlpatterns = [
    path("grading/", views.index, name="index"),
    path("grading/<str:year_code>/", views.year_detail, name="year"),
    path("grading/<str:year_code>/policy/", views.policy_edit, name="policy_edit"),
    path(
        "grading/<str:year_code>/coefficients/",
        views.coefficients_edit,
        name="coefficients_edit",
    ),
    path("grading/<str:year_code>/schemes/", views.schemes_edit, name="schemes_edit"),
    path("grading/<str:year_code>/copy/", views.year_copy, name="copy"),
    path("grading/<str:year_code>/defaults/", views.year_defaults, name="defaults"),
]
