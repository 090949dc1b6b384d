"""The OAuth 2.0 token endpoint for agencies, and the ministry's agency log page."""

from __future__ import annotations

from django.urls import path
from oauth2_provider.views import TokenView

from madrasa.accounts.http import any_view

from . import views

app_name = "agency"

urlpatterns = [
    # Client credentials only (each agency Application has that grant); no session, no CSRF.
    path("oauth/token/", any_view(TokenView.as_view()), name="token"),
    path("agency/log/", views.access_log, name="log"),
    path("agency/pupils/<uuid:student_uuid>/", views.pupil_accesses, name="pupil"),
]
