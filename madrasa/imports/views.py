"""Import pages: upload a file, follow its progress, read and download its report.

Access is decided in access.py; the work is done by services.py (in the background task).
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from madrasa.accounts.http import page
from madrasa.accounts.selectors import Actor

from .access import IMPORT_ROLES, access_batch, visible_batches
from .columns import PUPIL_COLUMNS
from .forms import MAX_UPLOAD_BYTES, UploadForm
from .models import ImportBatch
from .selectors import batch_progress, error_csv_lines, error_lines, list_error_rows
from .services import enqueue_batch, receive_batch

ERRORS_PER_PAGE = 50
# An unfinished import that has not moved for this long offers a Resume button.
STALLED_AFTER = timedelta(minutes=2)


@require_http_methods(["GET", "POST"])
@page(roles=IMPORT_ROLES)
def index(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch, created = receive_batch(
            actor=actor,
            kind=ImportBatch.Kind.PUPILS,
            filename=upload.name or "import.csv",
            data=upload.read(),
            schedule=True,
        )
        if not created and batch.is_finished:
            messages.info(request, _("This file was already imported: nothing changed."))
        elif not created:
            messages.info(request, _("This file was already sent: its import goes on."))
        return redirect("imports:batch", batch_uuid=batch.uuid)
    batches = visible_batches(actor).select_related("created_by")[:20]
    return render(
        request,
        "imports/index.html",
        {
            "form": form,
            "batches": batches,
            "columns": PUPIL_COLUMNS,
            "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        },
    )


@require_http_methods(["GET", "POST"])
@page(roles=IMPORT_ROLES)
def batch_detail(request: HttpRequest, actor: Actor, batch_uuid: UUID) -> HttpResponse:
    batch = access_batch(actor, batch_uuid)
    if request.method == "POST" and not batch.is_finished:
        # Resume an import whose worker stopped: the same as sending the file again. Running
        # a batch twice is harmless, so the page is shown again rather than redirected.
        enqueue_batch(batch.uuid)
        messages.info(request, _("The import will go on from where it stopped."))
    page_obj = Paginator(list_error_rows(batch), ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/batch.html",
        {
            "batch": batch,
            "progress": batch_progress(batch),
            "stalled": not batch.is_finished and batch.updated_at < timezone.now() - STALLED_AFTER,
            "page_obj": page_obj,
            "lines": error_lines(batch, list(page_obj)),
        },
    )


@require_GET
@never_cache
@page(roles=IMPORT_ROLES)
def batch_progress_json(request: HttpRequest, actor: Actor, batch_uuid: UUID) -> HttpResponse:
    batch = access_batch(actor, batch_uuid)
    return JsonResponse(batch_progress(batch))


@require_GET
@page(roles=IMPORT_ROLES)
def batch_errors_csv(request: HttpRequest, actor: Actor, batch_uuid: UUID) -> HttpResponse:
    batch = access_batch(actor, batch_uuid)
    # Built in memory (the page decorator returns an HttpResponse): about 15 MB for 100,000
    # refused rows, within what one request may use.
    response = HttpResponse("".join(error_csv_lines(batch)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="erreurs-{batch.uuid}.csv"'
    return response
