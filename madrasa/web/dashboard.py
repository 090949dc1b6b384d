"""The governance dashboard: national indicators by region, province and level (issue 8).

Enrolment (pupils, girls and boys, rural and urban, public and private schools) and, once the
tables hold rows, success rates: the share of year-end (or latest semester) bulletins proposing
promotion, and the share of certificate-exam candidates admitted (normal session, or its resit).

`compute_indicators` counts them from the base tables with a few GROUP BY statements (set-based:
one row per (province, level, gender, milieu, sector) comes back, at most a few thousand, and is
summed up here), on a read replica when one is configured (`on_replica()`,
madrasa/core/routers.py). Nationally that scans every enrolment of the year (tens of seconds for
12 million pupils), so the page never runs it: a refresh (`run_refresh`, a background task) stores
its result as one `IndicatorCell` per (province, level), and `get_dashboard` sums the cells of the
actor's scope (a few thousand rows at most, in milliseconds at any scale). The page says when the
figures were computed and queues a refresh when they are older than
`MADRASA_INDICATORS_MAX_AGE_MINUTES` (`ensure_fresh`).

Scope: the ministry sees the whole country, an academy its region(s), a directorate its
province(s); `region` / `province` narrow it, within that scope (404 outside it).

`bench/dashboard.py` times `get_dashboard` and the refresh against the same GROUP BY by hand.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from madrasa.accounts.models import User
from madrasa.accounts.selectors import Actor
from madrasa.bulletins.models import Bulletin
from madrasa.core.errors import PermissionDenied
from madrasa.core.routers import on_replica, read_alias, reset_pin
from madrasa.enrolment.models import Enrolment
from madrasa.registry.access import (
    access_province,
    access_region,
    visible_provinces,
    visible_regions,
)
from madrasa.registry.models import Level, Province, Region, SchoolYear
from madrasa.results.models import ExamCandidate, ExamResult, Outcome

from .models import IndicatorCell, IndicatorRefresh

__all__ = [
    "AreaRow",
    "Dashboard",
    "Figures",
    "LevelRow",
    "compute_indicators",
    "ensure_fresh",
    "get_dashboard",
    "latest_refresh",
    "open_year",
    "pending_refresh",
    "request_refresh",
    "run_refresh",
    "stored_indicators",
]

FIELDS = (
    "pupils", "girls", "boys", "rural", "urban", "public", "private",
    "decided", "promoted", "examined", "admitted",
)  # fmt: skip

# The latest bulletins of a year decide its success rate: the year's, else semester 2's, else 1's.
PERIODS = ("Y", "S2", "S1")
ONE_DECIMAL = Decimal("0.1")


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    """The indicators of one area or level."""

    pupils: int = 0
    girls: int = 0
    boys: int = 0
    rural: int = 0
    urban: int = 0
    public: int = 0
    private: int = 0
    decided: int = 0  # bulletins with a decision proposal
    promoted: int = 0  # … proposing promotion
    examined: int = 0  # exam candidates with a result (normal session)
    admitted: int = 0  # … admitted in the normal session or its resit

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return (
            self.pupils,
            self.girls,
            self.boys,
            self.rural,
            self.urban,
            self.public,
            self.private,
            self.decided,
            self.promoted,
            self.examined,
            self.admitted,
        )

    @property
    def girls_percent(self) -> Decimal | None:
        return _percent(self.girls, self.pupils)

    @property
    def rural_percent(self) -> Decimal | None:
        return _percent(self.rural, self.pupils)

    @property
    def private_percent(self) -> Decimal | None:
        return _percent(self.private, self.pupils)

    @property
    def pass_rate(self) -> Decimal | None:
        return _percent(self.promoted, self.decided)

    @property
    def exam_rate(self) -> Decimal | None:
        return _percent(self.admitted, self.examined)


@dataclass(frozen=True)
class AreaRow:
    code: str
    name_ar: str
    name_fr: str
    figures: Figures
    region_code: str = ""


@dataclass(frozen=True)
class LevelRow:
    code: str
    name_ar: str
    name_fr: str
    name_en: str
    figures: Figures


@dataclass(frozen=True)
class Indicators:
    """Figures per (province id, level id) cell (the result of `compute_indicators`)."""

    cells: dict[tuple[int, int], Figures]
    period: str  # the bulletins' period used for the pass rate ("" when none)
    source: str  # the database alias that answered
    seconds: float

    @cached_property
    def by_province(self) -> dict[int, Figures]:
        return _roll_up(self.cells, 0)

    @cached_property
    def by_level(self) -> dict[int, Figures]:
        return _roll_up(self.cells, 1)

    @cached_property
    def total(self) -> Figures:
        return sum(self.cells.values(), Figures())


def _roll_up(cells: dict[tuple[int, int], Figures], part: int) -> dict[int, Figures]:
    out: dict[int, Figures] = {}
    for key, figures in cells.items():
        out[key[part]] = out.get(key[part], Figures()) + figures
    return out


@dataclass(frozen=True)
class Dashboard:
    year: SchoolYear | None
    scope: str  # nation, region, province or territory (an academy's or directorate's own)
    region: Region | None
    province: Province | None
    total: Figures
    regions: list[AreaRow] = field(default_factory=list)
    provinces: list[AreaRow] = field(default_factory=list)
    levels: list[LevelRow] = field(default_factory=list)
    period: str = ""
    source: str = "default"
    seconds: float = 0.0
    computed_at: datetime | None = None  # when the figures shown were computed (None: never)
    pending: IndicatorRefresh | None = None  # a refresh queued or running


def _add(table: dict[tuple[int, int], dict[str, int]], key: tuple[int, int], **counts: int) -> None:
    row = table[key]
    for name, value in counts.items():
        row[name] = row.get(name, 0) + value


def _latest_period(year: SchoolYear) -> str:
    for period in PERIODS:
        if Bulletin.objects.filter(enrolment__year=year, period=period).exists():
            return period
    return ""


def enrolment_counts(
    year: SchoolYear, province_ids: Iterable[int] | None
) -> QuerySet[Enrolment, tuple[int, int, str, str, str, int]]:
    """Active enrolments of the year counted per province, level, gender, milieu and sector."""
    rows = Enrolment.objects.filter(year=year, status=Enrolment.Status.ACTIVE)
    if province_ids is not None:
        rows = rows.filter(school__province_id__in=list(province_ids))
    return (
        rows.order_by()
        .values_list(
            "school__province_id",
            "level_id",
            "student__gender",
            "school__milieu",
            "school__sector",
        )
        .annotate(n=Count("id"))
    )


def compute_indicators(
    year: SchoolYear,
    province_ids: Iterable[int] | None = None,
    *,
    on_step: Callable[[int], None] | None = None,
) -> Indicators:
    """The indicators of the year for these provinces (None: the whole country), per province
    and level, on a replica when one is configured. `on_step(n)` after each of the 3 steps."""
    started = time.perf_counter()
    ids = None if province_ids is None else sorted(set(province_ids))
    cells: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    step = on_step or (lambda n: None)
    with on_replica():
        source = read_alias()
        for province_id, level_id, gender, milieu, sector, n in enrolment_counts(year, ids):
            counts = {
                "pupils": n,
                "girls": n if gender == "F" else 0,
                "boys": n if gender == "M" else 0,
                "rural": n if milieu == "rural" else 0,
                "urban": n if milieu == "urban" else 0,
                "public": n if sector == "public" else 0,
                "private": n if sector == "private" else 0,
            }
            _add(cells, (province_id, level_id), **counts)
        step(1)

        period = _latest_period(year)
        if period:
            bulletins = Bulletin.objects.filter(enrolment__year=year, period=period).exclude(
                decision_proposal=""
            )
            if ids is not None:
                bulletins = bulletins.filter(enrolment__school__province_id__in=ids)
            for province_id, level_id, decided, promoted in (
                bulletins.order_by()
                .values_list("enrolment__school__province_id", "enrolment__level_id")
                .annotate(
                    decided=Count("id"),
                    promoted=Count("id", filter=Q(decision_proposal="promoted")),
                )
            ):
                _add(cells, (province_id, level_id), decided=decided, promoted=promoted)
        step(2)

        resit_admitted = ExamResult.objects.filter(
            candidate__previous=OuterRef("pk"), outcome=Outcome.ADMITTED
        )
        candidates = ExamCandidate.objects.filter(
            session__year=year, session__session="normal", result__isnull=False
        ).exclude(result__outcome="")
        if ids is not None:
            candidates = candidates.filter(centre__province_id__in=ids)
        for province_id, level_id, examined, admitted in (
            candidates.order_by()
            .values_list("centre__province_id", "session__scheme__level_id")
            .annotate(
                examined=Count("id"),
                admitted=Count(
                    "id", filter=Q(result__outcome=Outcome.ADMITTED) | Q(Exists(resit_admitted))
                ),
            )
        ):
            _add(cells, (province_id, level_id), examined=examined, admitted=admitted)
        step(3)
    return Indicators(
        cells={key: Figures(**value) for key, value in cells.items()},
        period=period,
        source=source,
        seconds=time.perf_counter() - started,
    )


def open_year() -> SchoolYear | None:
    """The current school year, or None before the ministry has opened one."""
    return SchoolYear.objects.filter(is_current=True).first()


# --- the stored summary ----------------------------------------------------------------------
# A refresh queued or running for longer than this is taken for abandoned (its worker died).
ABANDONED_AFTER = timedelta(hours=2)


def latest_refresh(year: SchoolYear) -> IndicatorRefresh | None:
    """The latest finished refresh of the year: the one the page shows."""
    return (
        IndicatorRefresh.objects.filter(year=year, state=IndicatorRefresh.State.DONE)
        .order_by("-finished_at", "-id")
        .first()
    )


def pending_refresh(year: SchoolYear) -> IndicatorRefresh | None:
    """A refresh of the year queued or running (not abandoned), if any."""
    live = IndicatorRefresh.objects.filter(
        year=year, state__in=(IndicatorRefresh.State.QUEUED, IndicatorRefresh.State.RUNNING)
    )
    return (
        live.filter(requested_at__gte=timezone.now() - ABANDONED_AFTER)
        .order_by("-requested_at")
        .first()
    )


def request_refresh(
    *, actor: User | None, year: SchoolYear, schedule: bool = True
) -> IndicatorRefresh:
    """Queue a refresh of the year's indicators, unless one is already queued or running (that
    one is returned). `schedule=False` leaves it queued for the caller to run (`run_refresh`)."""
    from .tasks import refresh_indicators  # the task module imports this one

    pending = pending_refresh(year)
    if pending is not None:
        return pending
    IndicatorRefresh.objects.filter(
        year=year,
        state__in=(IndicatorRefresh.State.QUEUED, IndicatorRefresh.State.RUNNING),
        requested_at__lt=timezone.now() - ABANDONED_AFTER,
    ).update(state=IndicatorRefresh.State.FAILED, error="abandoned", finished_at=timezone.now())
    refresh = IndicatorRefresh.objects.create(year=year, requested_by=actor)
    if schedule:
        # The database task backend stores the job in this same transaction: no on_commit.
        refresh_indicators.enqueue(str(refresh.uuid))
        refresh.refresh_from_db()
    return refresh


def ensure_fresh(year: SchoolYear) -> IndicatorRefresh | None:
    """Queue a refresh when the year has none or its latest is older than
    `MADRASA_INDICATORS_MAX_AGE_MINUTES`; returns the refresh queued or running, if any."""
    latest = latest_refresh(year)
    max_age = timedelta(minutes=int(getattr(settings, "MADRASA_INDICATORS_MAX_AGE_MINUTES", 60)))
    if (
        latest is None
        or latest.finished_at is None
        or latest.finished_at < timezone.now() - max_age
    ):
        refresh = request_refresh(actor=None, year=year)
        return None if refresh.state == IndicatorRefresh.State.DONE else refresh
    return pending_refresh(year)


def run_refresh(
    refresh_uuid: uuid.UUID, *, on_step: Callable[[int], None] | None = None
) -> IndicatorRefresh | None:
    """Compute a queued refresh nationally and store its cells; the year's older refreshes are
    deleted in the same transaction, so a reader sees the old figures or the new, never a mix.
    Idempotent: a refresh already claimed by another worker, done or failed, is left alone."""
    claimed = IndicatorRefresh.objects.filter(
        uuid=refresh_uuid, state=IndicatorRefresh.State.QUEUED
    ).update(state=IndicatorRefresh.State.RUNNING, started_at=timezone.now())
    refresh = IndicatorRefresh.objects.filter(uuid=refresh_uuid).select_related("year").first()
    if refresh is None or not claimed:
        return refresh
    # The claim and the progress steps are committed writes the computation never reads: its
    # reads may go to a replica even though the router pinned the primary on those writes.
    reset_pin()

    def step(n: int) -> None:
        IndicatorRefresh.objects.filter(pk=refresh.pk).update(step=n)
        reset_pin()
        if on_step is not None:
            on_step(n)

    try:
        indicators = compute_indicators(refresh.year, on_step=step)
        with transaction.atomic():
            IndicatorCell.objects.bulk_create(
                [
                    IndicatorCell(
                        refresh=refresh,
                        province_id=province_id,
                        level_id=level_id,
                        **dict(zip(FIELDS, figures.as_tuple(), strict=True)),
                    )
                    for (province_id, level_id), figures in sorted(indicators.cells.items())
                ],
                batch_size=1000,
            )
            IndicatorRefresh.objects.filter(pk=refresh.pk).update(
                state=IndicatorRefresh.State.DONE,
                step=IndicatorRefresh.STEPS,
                finished_at=timezone.now(),
                period=indicators.period,
                source=indicators.source,
                seconds=indicators.seconds,
            )
            IndicatorRefresh.objects.filter(year=refresh.year).exclude(pk=refresh.pk).exclude(
                state__in=(IndicatorRefresh.State.QUEUED, IndicatorRefresh.State.RUNNING)
            ).delete()
    except Exception as exc:
        IndicatorRefresh.objects.filter(pk=refresh.pk).update(
            state=IndicatorRefresh.State.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    refresh.refresh_from_db()
    return refresh


def stored_indicators(refresh: IndicatorRefresh, province_ids: Iterable[int] | None) -> Indicators:
    """The cells of a finished refresh for these provinces (None: all), as `Indicators`."""
    started = time.perf_counter()
    with on_replica():
        source = read_alias()
        rows = IndicatorCell.objects.filter(refresh=refresh)
        if province_ids is not None:
            rows = rows.filter(province_id__in=sorted(set(province_ids)))
        cells = {
            (row[0], row[1]): Figures(*row[2:])
            for row in rows.values_list("province_id", "level_id", *FIELDS)
        }
    return Indicators(
        cells=cells, period=refresh.period, source=source, seconds=time.perf_counter() - started
    )


def get_dashboard(actor: Actor, *, region_code: str = "", province_code: str = "") -> Dashboard:
    """The dashboard the actor may see: national (ministry), its region(s) (academy), its
    province(s) (directorate); narrowed to one region or province inside that scope."""
    region: Region | None = None
    province: Province | None = None
    if province_code:
        province = access_province(actor, province_code)
        provinces = [province]
        regions: list[Region] = []
        scope = "province"
    elif region_code:
        region = access_region(actor, region_code)
        provinces = list(visible_provinces(actor).filter(region=region).select_related("region"))
        regions = [region]
        scope = "region"
    else:
        provinces = list(visible_provinces(actor).select_related("region"))
        # A region's row only where the actor sees all of it (not a directorate's one province).
        regions = list(visible_regions(actor))
        scope = "nation" if actor.is_national else "territory"
    if not provinces:
        raise PermissionDenied(_("Your role covers no territory."), code="no_territory")
    year = open_year()
    if year is None:
        return Dashboard(year=None, scope=scope, region=region, province=province, total=Figures())
    refresh = latest_refresh(year)
    pending = pending_refresh(year)
    if refresh is None:
        return Dashboard(
            year=year, scope=scope, region=region, province=province, total=Figures(),
            pending=pending,
        )  # fmt: skip
    indicators = stored_indicators(
        refresh, None if actor.is_national and scope == "nation" else [p.id for p in provinces]
    )
    province_rows = [
        AreaRow(
            p.code,
            p.name_ar,
            p.name_fr,
            indicators.by_province.get(p.id, Figures()),
            region_code=p.region.code,
        )
        for p in sorted(provinces, key=lambda p: (p.region.code, p.code))
    ]
    region_rows = [
        AreaRow(
            r.code,
            r.name_ar,
            r.name_fr,
            sum((row.figures for row in province_rows if row.region_code == r.code), Figures()),
        )
        for r in sorted(regions, key=lambda r: r.code)
    ]
    level_rows = [
        LevelRow(level.code, level.name_ar, level.name_fr, level.name_en, figures)
        for level in Level.objects.order_by("rank")
        if (figures := indicators.by_level.get(level.id)) is not None
    ]
    return Dashboard(
        year=year,
        scope=scope,
        region=region,
        province=province,
        total=sum((row.figures for row in province_rows), Figures()),
        regions=region_rows,
        provinces=province_rows,
        levels=level_rows,
        period=indicators.period,
        source=indicators.source,
        seconds=indicators.seconds,
        computed_at=refresh.finished_at,
        pending=pending,
    )
