"""Who may import, into which schools, and who may see which import batch."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import NotFound
from madrasa.registry.access import visible_schools
from madrasa.registry.models import School

from .models import ImportBatch

__all__ = ["IMPORT_ROLES", "access_batch", "importable_schools", "visible_batches"]

# The roles that import pupils: the ministry anywhere, a directorate in its province, a
# director in their school.
IMPORT_ROLES = frozenset({Role.MINISTRY, Role.DIRECTORATE, Role.DIRECTOR})


def importable_schools(actor: Actor | None) -> QuerySet[School]:
    """The schools `actor` may import pupils into; every school for the command line run
    without --as (None), whose operator has the server anyway."""
    if actor is None:
        return School.objects.all()
    # visible_schools, narrowed to the scopes of the import roles: an academy or a teacher
    # role held by the same person does not widen what they may import into.
    importer = replace(
        actor,
        roles=actor.roles & IMPORT_ROLES,
        academy_region_ids=frozenset(),
        teacher_school_ids=frozenset(),
    )
    return visible_schools(importer)


def visible_batches(actor: Actor) -> QuerySet[ImportBatch]:
    """The imports an actor may follow and read the report of.

    The ministry sees every import. A directorate or a director sees the imports they sent, and
    the checked imports whose every row names a school they may import into: a director sees
    what the directorate imported into their school, but never a file that also holds rows of
    another school (its report shows those rows' values).
    """
    if actor.has(Role.MINISTRY):
        return ImportBatch.objects.all()
    if not actor.roles & IMPORT_ROLES:
        return ImportBatch.objects.none()
    links = ImportBatch.schools.through.objects.filter(importbatch_id=OuterRef("pk"))
    outside = links.exclude(school_id__in=importable_schools(actor).values("id"))
    within_scope = (
        Q(has_unplaced_rows=False)
        & ~Q(status__in=[ImportBatch.Status.RECEIVED, ImportBatch.Status.REJECTED])
        & Exists(links)
        & ~Exists(outside)
    )
    return ImportBatch.objects.filter(Q(created_by=actor.user) | within_scope)


def access_batch(actor: Actor, batch_uuid: UUID) -> ImportBatch:
    batch = visible_batches(actor).filter(uuid=batch_uuid).first()
    if batch is None:
        raise NotFound(_("No such import."))
    return batch
