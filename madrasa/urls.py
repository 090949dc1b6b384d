from __future__ import annotations

from django.urls import include, path
from django.views.i18n import set_language

from madrasa.accounts import views as accounts_views
from madrasa.enrolment import views as enrolment_views
from madrasa.registry import views as registry_views
from madrasa.web import views as web_views

from .api import api

accounts_patterns = (
    [
        path("login/", accounts_views.login_view, name="login"),
        path("login/otp/", accounts_views.second_factor_view, name="second_factor"),
        path("logout/", accounts_views.logout_view, name="logout"),
    ],
    "accounts",
)

registry_patterns = (
    [
        path("territory/", registry_views.region_list, name="region_list"),
        path("territory/regions/<str:code>/", registry_views.region_detail, name="region_detail"),
        path(
            "territory/provinces/<str:code>/",
            registry_views.province_detail,
            name="province_detail",
        ),
        # The school page and the pupil profile show classes, enrolments and the journey, so
        # they are served by the enrolment layer under their registry names.
        path("schools/<uuid:school_uuid>/", enrolment_views.school_detail, name="school_detail"),
        path("pupils/", registry_views.student_search, name="student_search"),
        path("pupils/<uuid:student_uuid>/", enrolment_views.student_detail, name="student_detail"),
        path("structure/", registry_views.structure, name="structure"),
        path(
            "structure/years/",
            registry_views.structure_year_create,
            name="structure_year_create",
        ),
        path(
            "structure/current-year/",
            registry_views.structure_current_year,
            name="structure_current_year",
        ),
        path(
            "structure/streams/",
            registry_views.structure_stream_create,
            name="structure_stream_create",
        ),
    ],
    "registry",
)

web_patterns = (
    [
        path("", web_views.home, name="home"),
        path("audit/", web_views.audit_log, name="audit_log"),
        path("dashboard/", web_views.dashboard, name="dashboard"),
        path("dashboard/refresh/", web_views.dashboard_refresh, name="dashboard_refresh"),
        path("healthz", web_views.healthz, name="healthz"),
    ],
    "web",
)

urlpatterns = [
    path("", include(web_patterns)),
    path("", include(registry_patterns)),
    path("", include("madrasa.enrolment.urls")),
    path("accounts/", include(accounts_patterns)),
    path("imports/", include("madrasa.imports.urls")),
    path("", include("madrasa.grading.urls")),
    path("", include("madrasa.marks.urls")),
    path("", include("madrasa.bulletins.urls")),
    path("", include("madrasa.results.urls")),
    path("", include("madrasa.credentials.urls")),
    path("", include("madrasa.attendance.urls")),
    path("", include("madrasa.health.urls")),
    path("", include("madrasa.agency.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
]
