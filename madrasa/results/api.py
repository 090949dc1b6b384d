"""The results API (mounted under /api/v1/ in madrasa/api.py): the results-day lookup, open to
anyone (auth=None) and rate-limited. Thin: lookup.py answers."""

from datetime import date

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from madrasa.core.middleware import client_ip

from .lookup import answer_lookup
from .schemas import LookupErrorOut, ResultOut

router = Router(tags=["results"])


@router.get(
    "/results/{session}/lookup",
    auth=None,
    response={200: ResultOut, 304: None, 404: LookupErrorOut, 429: LookupErrorOut},
    operation_id="results_get_result",
)
def lookup(
    request: HttpRequest,
    session: str,
    code: str = "",
    birth_date: date | None = None,
    pin: str = "",
) -> HttpResponse:
    """A pupil's exam result from the current publication of a session (its uuid), by national
    code and birth date (YYYY-MM-DD), or by the PIN of the candidate's notice. Wrong answers
    never reveal whether a code exists. Limited per address and per national code (429 with
    Retry-After)."""
    answer = answer_lookup(
        session_key=session,
        raw_code=code[:32],
        birth_date=birth_date,
        pin=pin[:32],
        client_address=client_ip(request),
        if_none_match=request.headers.get("If-None-Match", ""),
    )
    response: HttpResponse
    if answer.status == 304:
        response = HttpResponse(status=304, content_type="application/json")
    else:
        response = JsonResponse(answer.body, status=answer.status)
    for name, value in answer.headers.items():
        response[name] = value
    return response
