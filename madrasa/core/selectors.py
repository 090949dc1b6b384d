"""Reads of core tables (callers decide who may read them)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import AuditEvent

__all__ = ["search_audit_events"]


def search_audit_events(query: str = "") -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.order_by("-seq")
    if query:
        events = events.filter(
            Q(action__istartswith=query)
            | Q(actor_username__iexact=query)
            | Q(object_id__iexact=query)
            | Q(request_id__iexact=query)
        )
    return events
