"""Declarative list partitioning on PostgreSQL, for any table: turn a plain table into one
partitioned by a key column (and back), find a value's partition, detach and attach partitions.

Nothing here knows the apps: callers name the tables, the key column and the values (the school
year partitions of marks and absences are `madrasa.marks.partitions`). SQLite has no
partitioning: callers check `supports_partitioning` first.

The rebuild keeps what Django and later migrations rely on: the same columns, defaults, NOT NULL,
check and foreign-key constraints, unique constraints and indexes under the same names (so a
later migration that drops or alters one finds it), triggers and grants. What PostgreSQL 15
imposes is changed: the primary key gains the key column (a partitioned table's unique
constraints must contain it), and an identity column becomes a plain column whose default is a
sequence owned by it (identity columns on partitioned tables arrive with PostgreSQL 17).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

__all__ = [
    "PartitionInfo",
    "PartitioningError",
    "attach_partition",
    "detach_partition",
    "find_partition",
    "is_partitioned",
    "list_partitions",
    "partition_by_list",
    "partitioned_tables",
    "supports_partitioning",
    "unpartition",
]

_NAME = re.compile(r"^[a-z_][a-z0-9_$]{0,62}$")


class PartitioningError(Exception):
    """The table cannot be rebuilt or the partition cannot be moved as asked (the message says
    why); nothing was changed."""


@dataclass(frozen=True)
class PartitionInfo:
    """A partition of a partitioned table, or a table detached from it (`attached` False)."""

    parent: str
    name: str
    value: int | None  # the list value; None for the DEFAULT partition or a detached table
    is_default: bool
    attached: bool
    rows: int  # estimate (statistics), not a count
    bytes: int  # table, indexes and TOAST


def supports_partitioning(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "postgresql"


def qn(name: str) -> str:
    """A quoted identifier (names come from the catalogue or from the code, never from users)."""
    return '"' + name.replace('"', '""') + '"'


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise PartitioningError(f"{name!r} is not a plain table name")
    return name


def _rows(cursor: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    cursor.execute(sql, list(params))
    return list(cursor.fetchall())


def is_partitioned(cursor: Any, table: str) -> bool:
    found = _rows(
        cursor,
        "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)",
        [qn(table)],
    )
    return bool(found)


def partitioned_tables(cursor: Any, *, key: str) -> list[str]:
    """The tables of the current schema partitioned by LIST on the single column `key`."""
    return [
        row[0]
        for row in _rows(
            cursor,
            """
            SELECT c.relname FROM pg_partitioned_table p
            JOIN pg_class c ON c.oid = p.partrelid
            JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
            WHERE p.partstrat = 'l' AND p.partnatts = 1 AND a.attname = %s
              AND NOT c.relispartition
              AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
            ORDER BY c.relname
            """,
            [key],
        )
    ]


def find_partition(cursor: Any, table: str, value: int) -> str | None:
    """The attached partition holding exactly `value` (None: the value has no partition of its
    own, so its rows, if any, are in the DEFAULT partition)."""
    found = _rows(
        cursor,
        """
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = %s::regclass
          AND pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES IN (%%L)', %s::text)
        """,
        [qn(table), str(int(value))],
    )
    return found[0][0] if found else None


def _default_partition(cursor: Any, table: str) -> str | None:
    found = _rows(
        cursor,
        """
        SELECT c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partdefid
        WHERE p.partrelid = %s::regclass
        """,
        [qn(table)],
    )
    return found[0][0] if found else None


def list_partitions(cursor: Any, table: str, *, detached_prefix: str = "") -> list[PartitionInfo]:
    """The partitions of `table`, in name order, and (when `detached_prefix` is given) the plain
    tables whose name starts with it: partitions detached for archive."""
    out: list[PartitionInfo] = []
    for name, bound, rows, size in _rows(
        cursor,
        """
        SELECT c.relname, pg_get_expr(c.relpartbound, c.oid),
               GREATEST(c.reltuples::bigint, COALESCE(s.n_live_tup, 0)),
               pg_total_relation_size(c.oid)
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
        WHERE i.inhparent = %s::regclass ORDER BY c.relname
        """,
        [qn(table)],
    ):
        match = re.fullmatch(r"FOR VALUES IN \('?(-?\d+)'?\)", bound or "")
        out.append(
            PartitionInfo(
                parent=table,
                name=name,
                value=int(match.group(1)) if match else None,
                is_default=bound == "DEFAULT",
                attached=True,
                rows=int(rows),
                bytes=int(size),
            )
        )
    if detached_prefix:
        like = detached_prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
        for name, rows, size in _rows(
            cursor,
            """
            SELECT c.relname, GREATEST(c.reltuples::bigint, COALESCE(s.n_live_tup, 0)),
                   pg_total_relation_size(c.oid)
            FROM pg_class c LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
            WHERE c.relkind = 'r' AND NOT c.relispartition AND c.relname LIKE %s
              AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
            ORDER BY c.relname
            """,
            [like + "%"],
        ):
            out.append(
                PartitionInfo(
                    parent=table,
                    name=name,
                    value=None,
                    is_default=False,
                    attached=False,
                    rows=int(rows),
                    bytes=int(size),
                )
            )
    return out


def _columns_sql(cursor: Any, table: str) -> str:
    return ", ".join(
        qn(row[0])
        for row in _rows(
            cursor,
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum",
            [qn(table)],
        )
    )


def _run_deferred_checks(cursor: Any) -> None:
    """PostgreSQL refuses to alter a table with deferred foreign-key checks still pending in the
    transaction (Django's foreign keys are INITIALLY DEFERRED): run them now."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _move_default_rows(cursor: Any, *, table: str, key: str, value: int, into: str) -> int:
    """Move the rows of `value` from the DEFAULT partition into the table `into` (not attached
    yet), with the DEFAULT partition detached meanwhile: PostgreSQL refuses a partition for a
    value the DEFAULT partition holds rows of. Returns the number of rows moved."""
    default = _default_partition(cursor, table)
    if default is None:
        return 0
    where = f"{qn(key)} = {int(value)}"
    if not _rows(cursor, f"SELECT 1 FROM {qn(default)} WHERE {where} LIMIT 1"):  # noqa: S608  # nosec B608: catalogue identifiers, an integer
        return 0
    columns = _columns_sql(cursor, table)
    _run_deferred_checks(cursor)
    cursor.execute(f"ALTER TABLE {qn(table)} DETACH PARTITION {qn(default)}")
    cursor.execute(
        f"INSERT INTO {qn(into)} ({columns}) SELECT {columns} FROM {qn(default)} WHERE {where}"  # noqa: S608  # nosec B608: catalogue identifiers, an integer
    )
    moved = int(cursor.rowcount)
    _run_deferred_checks(cursor)
    cursor.execute(f"DELETE FROM {qn(default)} WHERE {where}")  # noqa: S608  # nosec B608: as above
    cursor.execute(f"ALTER TABLE {qn(table)} ATTACH PARTITION {qn(default)} DEFAULT")
    return moved


def detach_partition(cursor: Any, *, table: str, value: int) -> str:
    """Detach the partition of `value`: it stays as a plain table of the same name (for
    pg_dump, or to attach again). Rows of that value written afterwards go to the DEFAULT
    partition. Returns the table's name."""
    name = find_partition(cursor, table, value)
    if name is None:
        raise PartitioningError(f"{table} has no partition for {value}")
    _run_deferred_checks(cursor)
    cursor.execute(f"ALTER TABLE {qn(table)} DETACH PARTITION {qn(name)}")
    return name


def _column_types(cursor: Any, table: str) -> dict[str, str]:
    rows = _rows(
        cursor,
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [qn(table)],
    )
    return {str(name): str(kind) for name, kind in rows}


def attach_partition(cursor: Any, *, table: str, key: str, value: int, name: str) -> int:
    """Attach the plain table `name` as the partition of `value`, after moving into it the rows
    of `value` written to the DEFAULT partition meanwhile. Its rows are checked (one scan, before
    the parent is locked). Returns the number of rows moved from the DEFAULT partition."""
    _check_name(name)
    if find_partition(cursor, table, value) is not None:
        raise PartitioningError(f"{table} already has a partition for {value}")
    if not _rows(cursor, "SELECT 1 FROM pg_class WHERE oid = to_regclass(%s)", [qn(name)]):
        raise PartitioningError(f"there is no table {name}")
    wanted, found = _column_types(cursor, table), _column_types(cursor, name)
    if wanted != found:
        missing = sorted(set(wanted) - set(found))
        extra = sorted(set(found) - set(wanted))
        other = sorted(c for c in set(wanted) & set(found) if wanted[c] != found[c])
        raise PartitioningError(
            f"{name} does not have the columns of {table} (missing: {', '.join(missing) or '-'};"
            f" extra: {', '.join(extra) or '-'}; other type: {', '.join(other) or '-'}):"
            " align it first"
        )
    _run_deferred_checks(cursor)
    check = f"{name[:50]}_attach_check"
    # A valid CHECK matching the partition bound spares the scan under the parent's lock.
    cursor.execute(
        f"ALTER TABLE {qn(name)} ADD CONSTRAINT {qn(check)} "
        f"CHECK ({qn(key)} IS NOT NULL AND {qn(key)} = {int(value)})"
    )
    moved = _move_default_rows(cursor, table=table, key=key, value=value, into=name)
    cursor.execute(
        f"ALTER TABLE {qn(table)} ATTACH PARTITION {qn(name)} FOR VALUES IN ({int(value)})"
    )
    cursor.execute(f"ALTER TABLE {qn(name)} DROP CONSTRAINT {qn(check)}")
    return moved


# Rebuilding a table (plain <-> partitioned) -----------------------------------------------------


@dataclass(frozen=True)
class _Column:
    name: str
    type: str
    collation: str | None
    not_null: bool
    default: str | None
    identity: bool


@dataclass(frozen=True)
class _Constraint:
    name: str
    kind: str  # p, u, c, f
    definition: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class _Shape:
    columns: list[_Column]
    constraints: list[_Constraint]
    indexes: list[tuple[str, str]]  # name, CREATE INDEX statement (not backing a constraint)
    all_indexes: list[str]
    triggers: list[str]  # CREATE TRIGGER statements
    grants: list[str]  # GRANT statements
    owner: str
    sequence: tuple[str, str, int, bool] | None  # column, sequence, last value, is_called


def _shape(cursor: Any, table: str) -> _Shape:
    target = qn(table)
    if not _rows(cursor, "SELECT 1 FROM pg_class WHERE oid = to_regclass(%s)", [target]):
        raise PartitioningError(f"there is no table {table}")
    incoming = _rows(
        cursor,
        "SELECT conname, conrelid::regclass::text FROM pg_constraint "
        "WHERE confrelid = %s::regclass AND contype = 'f' AND conparentid = 0 "
        "AND conrelid <> confrelid",
        [target],
    )
    if incoming:
        raise PartitioningError(
            f"{table} is referenced by foreign keys ("
            + ", ".join(f"{t}.{c}" for c, t in incoming)
            + "): it cannot be rebuilt"
        )
    views = _rows(
        cursor,
        "SELECT DISTINCT r.ev_class::regclass::text FROM pg_depend d "
        "JOIN pg_rewrite r ON r.oid = d.objid "
        "WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = %s::regclass "
        "AND r.ev_class <> d.refobjid",
        [target],
    )
    if views:
        raise PartitioningError(
            f"{table} is used by views ({', '.join(v for (v,) in views)}): drop them first"
        )
    columns: list[_Column] = []
    for name, kind, collation, not_null, default, identity, generated in _rows(
        cursor,
        """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod),
                   CASE WHEN a.attcollation <> t.typcollation THEN co.collname END,
                   a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_collation co ON co.oid = a.attcollation
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """,
        [target],
    ):
        if generated:
            raise PartitioningError(f"{table}.{name} is a generated column: not handled")
        columns.append(_Column(name, kind, collation, bool(not_null), default, identity != ""))
    constraints = [
        _Constraint(name, kind, definition, tuple(cols))
        for name, kind, definition, cols in _rows(
            cursor,
            """
            SELECT c.conname, c.contype, pg_get_constraintdef(c.oid),
                   ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                         ORDER BY k.i)
            FROM pg_constraint c
            WHERE c.conrelid = %s::regclass AND c.conparentid = 0
              AND c.contype IN ('p', 'u', 'c', 'f', 'x', 't')
            ORDER BY c.contype, c.conname
            """,
            [target],
        )
    ]
    for constraint in constraints:
        if constraint.kind not in "pucf":
            raise PartitioningError(f"{table}.{constraint.name}: constraint kind not handled")
    indexes = [
        (name, definition.replace(" ON ONLY ", " ON ", 1))
        for name, definition in _rows(
            cursor,
            """
            SELECT ic.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
            ORDER BY ic.relname
            """,
            [target],
        )
    ]
    all_indexes = [
        row[0]
        for row in _rows(
            cursor,
            "SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass ORDER BY ic.relname",
            [target],
        )
    ]
    triggers = [
        row[0]
        for row in _rows(
            cursor,
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass "
            "AND NOT tgisinternal AND tgparentid = 0 ORDER BY tgname",
            [target],
        )
    ]
    owner = _rows(
        cursor, "SELECT relowner::regrole::text FROM pg_class WHERE oid = %s::regclass", [target]
    )[0][0]
    grants = [
        f"GRANT {privilege} ON {target} TO {grantee}" + (" WITH GRANT OPTION" if grantable else "")
        for privilege, grantee, grantable in _rows(
            cursor,
            """
            SELECT a.privilege_type,
                   CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(a.grantee::regrole::text)
                   END,
                   a.is_grantable
            FROM pg_class c, aclexplode(c.relacl) a
            WHERE c.oid = %s::regclass AND a.grantee <> c.relowner
            ORDER BY 2, 1
            """,
            [target],
        )
    ]
    sequence = None
    for column in columns:
        found = _rows(cursor, "SELECT pg_get_serial_sequence(%s, %s)", [target, column.name])
        if found and found[0][0]:
            state = _rows(cursor, f"SELECT last_value, is_called FROM {found[0][0]}")  # noqa: S608  # nosec B608: a catalogue name
            sequence = (column.name, str(found[0][0]), int(state[0][0]), bool(state[0][1]))
            break
    return _Shape(columns, constraints, indexes, all_indexes, triggers, grants, owner, sequence)


def _set_aside(cursor: Any, table: str, shape: _Shape) -> str:
    """Rename the table and its indexes out of the way; free its sequence. Returns the new name."""
    old = f"{table[:48]}_before_rebuild"
    cursor.execute(f"ALTER TABLE {qn(table)} RENAME TO {qn(old)}")
    for n, index in enumerate(shape.all_indexes):
        cursor.execute(f"ALTER INDEX {qn(index)} RENAME TO {qn(f'{old[:50]}_i{n}')}")
    if shape.sequence is not None:
        column, sequence, _last, _called = shape.sequence
        identity = next(c.identity for c in shape.columns if c.name == column)
        if identity:
            cursor.execute(f"ALTER TABLE {qn(old)} ALTER COLUMN {qn(column)} DROP IDENTITY")
        else:
            cursor.execute(f"ALTER TABLE {qn(old)} ALTER COLUMN {qn(column)} DROP DEFAULT")
            cursor.execute(f"DROP SEQUENCE {sequence}")
    return old


def _column_sql(column: _Column, *, default: str | None, identity: bool) -> str:
    parts = [qn(column.name), column.type]
    if column.collation:
        parts.append(f"COLLATE {qn(column.collation)}")
    if column.not_null or identity:
        parts.append("NOT NULL")
    if identity:
        parts.append("GENERATED BY DEFAULT AS IDENTITY")
    elif default is not None:
        parts.append(f"DEFAULT {default}")
    return " ".join(parts)


def _finish(cursor: Any, table: str, old: str, shape: _Shape, primary_key: Sequence[str]) -> None:
    """Copy the rows, then add the constraints, indexes, triggers and grants, drop the old
    table. Constraints and indexes come after the copy: one build each instead of row by row."""
    columns = ", ".join(qn(c.name) for c in shape.columns)
    cursor.execute(f"INSERT INTO {qn(table)} ({columns}) SELECT {columns} FROM {qn(old)}")  # noqa: S608  # nosec B608: catalogue identifiers
    for constraint in shape.constraints:
        if constraint.kind == "p":
            definition = f"PRIMARY KEY ({', '.join(qn(c) for c in primary_key)})"
        else:
            definition = constraint.definition
        cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(constraint.name)} {definition}")
    for _name, statement in shape.indexes:
        cursor.execute(statement)
    for statement in shape.triggers:
        cursor.execute(statement)
    for statement in shape.grants:
        cursor.execute(statement)
    current = _rows(cursor, "SELECT current_user::regrole::text")[0][0]
    if shape.owner != current:
        cursor.execute(f"ALTER TABLE {qn(table)} OWNER TO {shape.owner}")
    cursor.execute(f"DROP TABLE {qn(old)} CASCADE")
    cursor.execute(f"ANALYZE {qn(table)}")


def partition_by_list(
    cursor: Any,
    *,
    table: str,
    key: str,
    partitions: Sequence[tuple[int, str]],
    default: str,
) -> None:
    """Rebuild the plain `table` as one partitioned by LIST (`key`): a partition per (value,
    name) and a DEFAULT partition named `default`; rows are copied (one INSERT ... SELECT).
    Idempotent: a table already partitioned is left as it is. Run inside a transaction."""
    _check_name(table)
    for _value, name in partitions:
        _check_name(name)
    _check_name(default)
    if is_partitioned(cursor, table):
        return
    cursor.execute(f"LOCK TABLE {qn(table)} IN ACCESS EXCLUSIVE MODE")
    _run_deferred_checks(cursor)
    shape = _shape(cursor, table)
    if key not in {c.name for c in shape.columns}:
        raise PartitioningError(f"{table} has no column {key}")
    for constraint in shape.constraints:
        if constraint.kind == "u" and key not in constraint.columns:
            raise PartitioningError(
                f"{table}.{constraint.name} is unique without {key}: on a table partitioned by "
                f"{key} a unique constraint must contain it"
            )
    primary = next((c for c in shape.constraints if c.kind == "p"), None)
    primary_key = list(primary.columns) if primary else []
    if primary is not None and key not in primary_key:
        primary_key.append(key)
    old = _set_aside(cursor, table, shape)
    defaults = {c.name: c.default for c in shape.columns}
    if shape.sequence is not None:
        column, _sequence, last, called = shape.sequence
        sequence = f"{table[:55]}_{column}_seq"[:63]
        cursor.execute(f"CREATE SEQUENCE {qn(sequence)} AS bigint")
        cursor.execute("SELECT setval(%s::regclass, %s, %s)", [qn(sequence), last, called])
        defaults[column] = f"nextval('{qn(sequence)}'::regclass)"
    body = ", ".join(
        _column_sql(c, default=defaults[c.name], identity=False) for c in shape.columns
    )
    cursor.execute(f"CREATE TABLE {qn(table)} ({body}) PARTITION BY LIST ({qn(key)})")
    if shape.sequence is not None:
        cursor.execute(
            f"ALTER SEQUENCE {qn(sequence)} OWNED BY {qn(table)}.{qn(shape.sequence[0])}"
        )
    for value, name in partitions:
        cursor.execute(
            f"CREATE TABLE {qn(name)} PARTITION OF {qn(table)} FOR VALUES IN ({int(value)})"
        )
    cursor.execute(f"CREATE TABLE {qn(default)} PARTITION OF {qn(table)} DEFAULT")
    _finish(cursor, table, old, shape, primary_key)


def unpartition(cursor: Any, *, table: str, key: str) -> None:
    """Rebuild the partitioned `table` as a plain table with the rows of its attached
    partitions (detached ones stay as they are): the reverse of `partition_by_list`. The primary
    key loses `key` again and the sequence-backed column becomes an identity column."""
    _check_name(table)
    if not is_partitioned(cursor, table):
        return
    cursor.execute(f"LOCK TABLE {qn(table)} IN ACCESS EXCLUSIVE MODE")
    _run_deferred_checks(cursor)
    shape = _shape(cursor, table)
    primary = next((c for c in shape.constraints if c.kind == "p"), None)
    primary_key = [c for c in primary.columns if c != key] if primary else []
    if primary is not None and not primary_key:
        primary_key = list(primary.columns)
    old = _set_aside(cursor, table, shape)
    identity = shape.sequence[0] if shape.sequence is not None else None
    body = ", ".join(
        _column_sql(
            c,
            default=None if c.name == identity else c.default,
            identity=c.name == identity,
        )
        for c in shape.columns
    )
    cursor.execute(f"CREATE TABLE {qn(table)} ({body})")
    if shape.sequence is not None:
        column, _sequence, last, called = shape.sequence
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), %s, %s)",
            [qn(table), column, last, called],
        )
    _finish(cursor, table, old, shape, primary_key)
