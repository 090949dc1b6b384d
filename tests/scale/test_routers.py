"""The replica router's rules, without a real replica (tests/scale/test_replica_standby.py starts
one): reads go to a replica only inside `on_replica()`, never after a write of the same request,
never inside a transaction, never without replicas."""

from __future__ import annotations

import threading

import pytest
from django.core.signals import request_started
from django.db import router, transaction
from django.test import override_settings

from madrasa.core.routers import (
    PRIMARY,
    ReplicaRouter,
    is_pinned,
    on_replica,
    read_alias,
    replica_aliases,
    reset_pin,
)
from madrasa.registry.models import Region
from madrasa.settings import replica_databases

REPLICAS = ["replica_0", "replica_1"]


@pytest.fixture(autouse=True)
def _unpinned() -> None:
    reset_pin()


def test_it_reads_from_the_primary_without_replicas() -> None:
    # given: the test settings configure no replica
    assert replica_aliases() == []
    # when / then: even code that opts in reads the primary
    with on_replica():
        assert Region.objects.all().db == PRIMARY
        assert router.db_for_read(Region) == PRIMARY
    assert router.db_for_write(Region) == PRIMARY


def test_it_reads_from_a_replica_only_inside_on_replica() -> None:
    ours = ReplicaRouter(replicas=REPLICAS)
    assert ours.db_for_read(Region) == PRIMARY
    with on_replica():
        chosen = ours.db_for_read(Region)
        assert chosen in REPLICAS
        # one block keeps one replica (one replay point), nested blocks included
        for _ in range(20):
            assert ours.db_for_read(Region) == chosen
        with on_replica():
            assert ours.db_for_read(Region) == chosen
    assert ours.db_for_read(Region) == PRIMARY


def test_a_write_pins_the_request_to_the_primary_until_the_next_request(
    flushable_db: None,
) -> None:
    ours = ReplicaRouter(replicas=REPLICAS)
    # given: a request that wrote
    request_started.send(sender=None)
    assert ours.db_for_write(Region) == PRIMARY
    assert is_pinned()
    # when / then: it reads its own writes, even where replicas are allowed
    with on_replica():
        assert ours.db_for_read(Region) == PRIMARY
        assert read_alias(REPLICAS) == PRIMARY
    # and the next request may read a replica again
    request_started.send(sender=None)
    assert not is_pinned()
    with on_replica():
        assert ours.db_for_read(Region) in REPLICAS


def test_a_write_inside_on_replica_goes_to_the_primary() -> None:
    ours = ReplicaRouter(replicas=REPLICAS)
    with on_replica():
        assert ours.db_for_write(Region) == PRIMARY
        assert ours.db_for_read(Region) == PRIMARY


def test_the_decorator_opts_a_whole_function_in() -> None:
    ours = ReplicaRouter(replicas=REPLICAS)

    @on_replica
    def bare() -> str:
        return ours.db_for_read(Region)

    @on_replica()
    def called() -> str:
        return ours.db_for_read(Region)

    assert bare() in REPLICAS
    assert called() in REPLICAS
    assert called() in REPLICAS  # a fresh block at every call
    assert ours.db_for_read(Region) == PRIMARY


def test_the_pin_belongs_to_one_thread() -> None:
    ours = ReplicaRouter(replicas=REPLICAS)
    ours.db_for_write(Region)  # this thread wrote
    seen: list[str] = []

    def other() -> None:
        with on_replica():
            seen.append(ours.db_for_read(Region))

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen[0] in REPLICAS
    with on_replica():
        assert ours.db_for_read(Region) == PRIMARY


def test_a_transaction_reads_the_primary(flushable_db: None) -> None:
    ours = ReplicaRouter(replicas=REPLICAS)
    with on_replica():
        assert ours.db_for_read(Region) in REPLICAS
        with transaction.atomic():
            assert ours.db_for_read(Region) == PRIMARY


def test_migrations_never_run_on_a_replica() -> None:
    ours = ReplicaRouter(replicas=REPLICAS)
    assert ours.allow_migrate("replica_0", "registry") is False
    assert ours.allow_migrate(PRIMARY, "registry") is None


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_replica_aliases_come_from_the_databases_setting() -> None:
    databases: dict[str, dict[str, str]] = {
        "default": {},
        "replica_1": {},
        "replica_0": {},
        "other": {},
    }
    with override_settings(DATABASES=databases):
        assert replica_aliases() == ["replica_0", "replica_1"]


def test_the_setting_names_each_url_replica_n() -> None:
    primary = {"ENGINE": "django.db.backends.postgresql", "NAME": "madrasa"}
    found = replica_databases(
        " postgresql://ro@10.0.0.2:5432/madrasa, postgres://ro@10.0.0.3/madrasa ,", primary
    )
    assert list(found) == ["replica_0", "replica_1"]
    assert found["replica_0"]["HOST"] == "10.0.0.2"
    assert found["replica_1"]["HOST"] == "10.0.0.3"
    assert found["replica_0"]["TEST"] == {"MIRROR": "default"}
    assert replica_databases("", primary) == {}


@pytest.mark.parametrize(
    ("raw", "primary_engine", "message"),
    [
        ("postgresql://h/db", "django.db.backends.sqlite3", "needs a PostgreSQL"),
        ("mysql://h/db", "django.db.backends.postgresql", "must start with postgresql"),
    ],
)
def test_the_setting_refuses_what_cannot_be_a_replica(
    raw: str, primary_engine: str, message: str
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match=message):
        replica_databases(raw, {"ENGINE": primary_engine})
