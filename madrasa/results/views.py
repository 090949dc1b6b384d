"""Results pages: the public results page (no sign-in), and the exam administration's pages
(sessions, import of marks, computation with its progress, publication with an embargo,
withdrawal and replacement with the record of what changed).

Thin: access.py decides, services.py writes, lookup.py answers results day.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madrasa.accounts.http import any_view, page
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import InvalidInput
from madrasa.core.middleware import client_ip

from .access import (
    EXAM_READ_ROLES,
    access_publication,
    access_session,
    can_run_exams,
    session_candidates,
    visible_sessions,
)
from .forms import LookupForm, MarksFileForm, PublishForm, SessionForm, WithdrawForm
from .lookup import answer_lookup
from .models import ExamSession
from .selectors import public_sessions, session_counts, session_results
from .services import (
    create_session,
    import_marks,
    mark_compute_queued,
    publish_results,
    withdraw_publication,
)

INVALID = 422
RESULTS_PER_PAGE = 100


# Results day (public) -------------------------------------------------------------------------


@require_GET
@any_view
def public_index(request: HttpRequest) -> HttpResponse:
    return render(request, "results/public_index.html", {"sessions": public_sessions()})


@require_http_methods(["GET", "POST"])
@any_view
def public_lookup(request: HttpRequest, session_uuid: UUID) -> HttpResponse:
    form = LookupForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "session_uuid": session_uuid}
    status = 200
    if request.method == "POST" and form.is_valid():
        answer = answer_lookup(
            session_key=str(session_uuid),
            raw_code=form.cleaned_data["code"],
            birth_date=form.cleaned_data["birth_date"],
            pin="",
            client_address=client_ip(request),
        )
        status = 200 if answer.status in {200, 404} else answer.status
        context["answer"] = answer
    elif request.method == "POST":
        status = INVALID
    response = render(request, "results/public_lookup.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    if "answer" in context and "Retry-After" in context["answer"].headers:
        response["Retry-After"] = context["answer"].headers["Retry-After"]
    return response


# The exam administration --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@page(roles=EXAM_READ_ROLES)
def session_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = SessionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_run_exams(actor):
            raise _refused()
        if form.is_valid():
            try:
                session = create_session(
                    actor=actor,
                    scheme=form.cleaned_data["scheme"],
                    name=form.cleaned_data["name"],
                    session=form.cleaned_data["session"],
                )
            except InvalidInput as exc:
                form.add_error(None, str(exc.message))
            else:
                return redirect("results:session_detail", session_uuid=session.uuid)
        status = INVALID
    return render(
        request,
        "results/session_list.html",
        {
            "sessions": visible_sessions(actor),
            "form": form,
            "can_run": can_run_exams(actor),
        },
        status=status,
    )


def _refused() -> Exception:
    from django.core.exceptions import PermissionDenied

    return PermissionDenied()


def _detail(
    request: HttpRequest,
    actor: Actor,
    session: ExamSession,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    candidates = session_candidates(actor, session)
    context: dict[str, Any] = {
        "session": session,
        "counts": session_counts(session, candidates),
        "publications": session.publications.select_related("created_by", "replaces"),
        "can_run": can_run_exams(actor),
        "upload_form": MarksFileForm(),
        "publish_form": PublishForm(),
        "is_busy": session.compute_state
        in (ExamSession.ComputeState.QUEUED, ExamSession.ComputeState.RUNNING),
        **extra,
    }
    return render(request, "results/session_detail.html", context, status=status)


@require_GET
@never_cache
@page(roles=EXAM_READ_ROLES)
def session_detail(request: HttpRequest, actor: Actor, session_uuid: UUID) -> HttpResponse:
    return _detail(request, actor, access_session(actor, session_uuid))


@require_POST
@page(roles=EXAM_READ_ROLES)
def session_import(request: HttpRequest, actor: Actor, session_uuid: UUID) -> HttpResponse:
    session = access_session(actor, session_uuid, for_write=True)
    form = MarksFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, actor, session, status=INVALID, upload_form=form)
    upload = form.cleaned_data["file"]
    outcome = import_marks(
        actor=actor, session=session, data=upload.read(), filename=upload.name or ""
    )
    if not outcome.ok:
        return _detail(
            request,
            actor,
            session,
            status=INVALID,
            problems=outcome.problems[:500],
            problem_count=len(outcome.problems),
        )
    messages.success(
        request,
        _("%(marks)s marks imported, %(new)s new candidates.")
        % {"marks": outcome.marks_written, "new": outcome.candidates_created},
    )
    return redirect("results:session_detail", session_uuid=session.uuid)


@require_POST
@page(roles=EXAM_READ_ROLES)
def session_compute(request: HttpRequest, actor: Actor, session_uuid: UUID) -> HttpResponse:
    from .tasks import compute_session_task

    session = access_session(actor, session_uuid, for_write=True)
    mark_compute_queued(actor=actor, session=session)
    transaction.on_commit(
        lambda: compute_session_task.enqueue(session_id=session.pk, user_id=actor.pk)
    )
    messages.info(request, _("The results are being computed."))
    return redirect("results:session_detail", session_uuid=session.uuid)


@require_POST
@page(roles=EXAM_READ_ROLES)
def session_publish(request: HttpRequest, actor: Actor, session_uuid: UUID) -> HttpResponse:
    session = access_session(actor, session_uuid, for_write=True)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _detail(request, actor, session, status=INVALID, publish_form=form)
    try:
        publication = publish_results(
            actor=actor, session=session, embargo_until=form.cleaned_data["embargo_until"]
        )
    except InvalidInput as exc:
        form.add_error(None, str(exc.message))
        return _detail(request, actor, session, status=INVALID, publish_form=form)
    return redirect("results:publication_detail", publication_uuid=publication.uuid)


@require_GET
@page(roles=EXAM_READ_ROLES)
def session_result_list(request: HttpRequest, actor: Actor, session_uuid: UUID) -> HttpResponse:
    session = access_session(actor, session_uuid)
    rows = session_results(actor, session_candidates(actor, session))
    page_obj = Paginator(rows, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "results/session_results.html", {"session": session, "page_obj": page_obj}
    )


@require_http_methods(["GET", "POST"])
@page(roles=EXAM_READ_ROLES)
def publication_detail(request: HttpRequest, actor: Actor, publication_uuid: UUID) -> HttpResponse:
    publication = access_publication(actor, publication_uuid)
    form = WithdrawForm(request.POST or None)
    status = 200
    if request.method == "POST":
        access_publication(actor, publication_uuid, for_write=True)
        if form.is_valid():
            try:
                replacement = withdraw_publication(
                    actor=actor,
                    publication=publication,
                    reason=form.cleaned_data["reason"],
                    replace=form.cleaned_data["replace"],
                    embargo_until=form.cleaned_data["embargo_until"],
                )
            except InvalidInput as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("The publication was withdrawn."))
                target = replacement or publication
                return redirect("results:publication_detail", publication_uuid=target.uuid)
        status = INVALID
    return render(
        request,
        "results/publication_detail.html",
        {
            "publication": publication,
            "form": form,
            "can_run": can_run_exams(actor),
            "is_live": publication.status in publication.LIVE,
        },
        status=status,
    )
