"""Credentials pages: the public verifier and key list, the published status lists, asking for
a document, the director's queue, and downloading or revoking a document. Thin: access.py
decides, services.py writes, selectors.py reads."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madrasa.accounts.http import any_view, page
from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import InvalidInput, PermissionDenied

from .access import (
    access_credential,
    access_request,
    access_requestable_student,
    can_decide,
    can_request,
    can_revoke,
    visible_credentials,
    visible_requests,
)
from .forms import DecisionForm, RequestForm, RevokeForm, VerifyForm
from .keys import KeyStoreError, key_store
from .models import CredentialRequest, IssuedCredential, StatusList
from .render import render_pdf
from .selectors import request_queue, verify_here
from .services import decide_request, request_credential, revoke_credential

INVALID = 422
LIST_LIMIT = 50
CHECK_LABELS = {
    "schema": gettext_lazy("Structure (Open Badges 3.0 schema)"),
    "jsonld": gettext_lazy("JSON-LD contexts"),
    "signature": gettext_lazy("Signature and issuer key"),
    "dates": gettext_lazy("Validity dates"),
    "status": gettext_lazy("Revocation status"),
}


# Public: verifier, key list, status lists ---------------------------------------------------


@require_http_methods(["GET", "POST"])
@any_view
def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result = verify_here(form.raw())
        else:
            status = INVALID
    checks = [
        (str(CHECK_LABELS.get(check.name, check.name)), check.ok)
        for check in (result.checks if result is not None else [])
        if check.ok  # the failed check is the reason, shown on its own
    ]
    return render(
        request,
        "credentials/verify.html",
        {"form": form, "result": result, "checks": checks},
        status=status,
    )


def _public_json(document: Any) -> JsonResponse:
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@cache_control(public=True, max_age=300)
@any_view
def key_list(request: HttpRequest) -> HttpResponse:
    try:
        return _public_json(key_store().published())
    except KeyStoreError:
        return JsonResponse(
            {"code": "unavailable", "detail": _("The key list is unavailable.")}, status=503
        )


@require_GET
@cache_control(public=True, max_age=60)
@any_view
def status_list(request: HttpRequest, number: int) -> HttpResponse:
    found = StatusList.objects.filter(number=number).exclude(published="").first()
    if found is None:
        raise Http404(_("No such status list."))
    return _public_json(json.loads(found.published))


# Requests and documents -----------------------------------------------------------------------


@require_GET
@page()
def home(request: HttpRequest, actor: Actor) -> HttpResponse:
    queue = list(request_queue(actor)[:LIST_LIMIT]) if actor.director_school_ids else []
    mine = list(
        visible_requests(actor)
        .exclude(pk__in=[r.pk for r in queue])
        .order_by("-requested_at")[:LIST_LIMIT]
    )
    documents = list(visible_credentials(actor).order_by("-issued_at")[:LIST_LIMIT])
    pupils = []
    if actor.parent_student_ids or actor.pupil_student_ids:
        from madrasa.registry.models import Student

        ids = actor.parent_student_ids | actor.pupil_student_ids
        pupils = [s for s in Student.objects.filter(id__in=ids) if can_request(actor, s)]
    return render(
        request,
        "credentials/home.html",
        {"queue": queue, "mine": mine, "documents": documents, "pupils": pupils},
    )


@require_http_methods(["GET", "POST"])
@page()
def request_new(request: HttpRequest, actor: Actor, student_uuid: UUID) -> HttpResponse:
    student = access_requestable_student(actor, student_uuid)
    form = RequestForm(request.POST or None, initial={"kind": "attestation"})
    if request.method == "POST" and form.is_valid():
        try:
            made = request_credential(
                actor=actor.user,
                student=student,
                kind=form.cleaned_data["kind"],
                period=form.cleaned_data["period"],
                year=form.cleaned_data["year"].strip() or None,
            )
        except InvalidInput as exc:
            form.add_error(None, str(exc.message))
        else:
            if made.status == CredentialRequest.Status.ISSUED:
                messages.success(request, _("The document is ready to download."))
            else:
                messages.success(request, _("Your request was sent to the school."))
            return redirect("credentials:request_detail", made.uuid)
    status = INVALID if request.method == "POST" else 200
    return render(
        request, "credentials/request_form.html", {"form": form, "student": student}, status=status
    )


def _request_page(
    request: HttpRequest,
    actor: Actor,
    found: CredentialRequest,
    *,
    form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    deciding = can_decide(actor, found) and found.status == CredentialRequest.Status.PENDING
    credential = IssuedCredential.objects.filter(request=found).first()
    return render(
        request,
        "credentials/request_detail.html",
        {
            "req": found,
            "credential": credential,
            "form": (form or DecisionForm()) if deciding else None,
        },
        status=status,
    )


@require_GET
@page()
def request_detail(request: HttpRequest, actor: Actor, request_uuid: UUID) -> HttpResponse:
    return _request_page(request, actor, access_request(actor, request_uuid))


@require_POST
@page(roles=frozenset({Role.DIRECTOR}))
def request_decide(request: HttpRequest, actor: Actor, request_uuid: UUID) -> HttpResponse:
    found = access_request(actor, request_uuid)
    if not can_decide(actor, found):
        raise PermissionDenied(_("Only the school's director answers this request."))
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decide_request(
                actor=actor.user,
                request=found,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except InvalidInput as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The request is answered."))
            return redirect("credentials:home")
    return _request_page(request, actor, found, form=form, status=INVALID)


@require_GET
@page()
def document_detail(request: HttpRequest, actor: Actor, credential_uuid: UUID) -> HttpResponse:
    credential = access_credential(actor, credential_uuid)
    return render(
        request,
        "credentials/document_detail.html",
        {
            "credential": credential,
            "revoke_form": RevokeForm() if can_revoke(actor, credential) else None,
        },
    )


@require_GET
@page()
def document_pdf(request: HttpRequest, actor: Actor, credential_uuid: UUID) -> HttpResponse:
    credential = access_credential(actor, credential_uuid)
    lang = "fr" if request.GET.get("lang") == "fr" else "ar"
    response = HttpResponse(render_pdf(credential, lang), content_type="application/pdf")
    name = f"attestation-{credential.student.national_code}-{lang}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@page()
def document_json(request: HttpRequest, actor: Actor, credential_uuid: UUID) -> HttpResponse:
    credential = access_credential(actor, credential_uuid)
    response = HttpResponse(credential.document, content_type="application/ld+json")
    name = f"attestation-{credential.student.national_code}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@page()
def document_revoke(request: HttpRequest, actor: Actor, credential_uuid: UUID) -> HttpResponse:
    credential = access_credential(actor, credential_uuid)
    if not can_revoke(actor, credential):
        raise PermissionDenied(_("Only the school's director or the ministry revokes documents."))
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            revoke_credential(
                actor=actor.user, credential=credential, reason=form.cleaned_data["reason"]
            )
        except InvalidInput as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The document is revoked."))
            return redirect("credentials:document_detail", credential.uuid)
    return render(
        request,
        "credentials/document_detail.html",
        {"credential": credential, "revoke_form": form},
        status=INVALID,
    )
