"""The credentials pages (the public verifier at /verify/, the rest under /credentials/)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "credentials"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("credentials/keys.json", views.key_list, name="key_list"),
    path("credentials/issuer", views.key_list, name="issuer"),
    path("credentials/status/<int:number>", views.status_list, name="status_list"),
    path("credentials/", views.home, name="home"),
    path(
        "credentials/pupils/<uuid:student_uuid>/request/",
        views.request_new,
        name="request_new",
    ),
    path("credentials/requests/<uuid:request_uuid>/", views.request_detail, name="request_detail"),
    path(
        "credentials/requests/<uuid:request_uuid>/decision/",
        views.request_decide,
        name="request_decide",
    ),
    path(
        "credentials/documents/<uuid:credential_uuid>/",
        views.document_detail,
        name="document_detail",
    ),
    path(
        "credentials/documents/<uuid:credential_uuid>/pdf/",
        views.document_pdf,
        name="document_pdf",
    ),
    path(
        "credentials/documents/<uuid:credential_uuid>/json/",
        views.document_json,
        name="document_json",
    ),
    path(
        "credentials/documents/<uuid:credential_uuid>/revoke/",
        views.document_revoke,
        name="document_revoke",
    ),
]
