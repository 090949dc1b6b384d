"""On PostgreSQL, marks_mark becomes a table partitioned by LIST (year_id): one partition per
school year (marks_mark_y2025_2026, ...) and a DEFAULT partition, so that a year's reads touch
only its partition and an old year can be detached for archive (`madrasa partitions`,
docs/scale.md). The Django state does not change; SQLite keeps the plain table.

It also installs, once for every table partitioned by year (attendance's absences follow in
attendance 0005):
- madrasa_ensure_year_partitions(year_id, code): give the year its partition in each such table
  where it has none (moving its rows out of the DEFAULT partition if any). Idempotent.
- a trigger on registry_schoolyear calling it for each new year, whichever path creates the year
  (the service, load_structure, a fixture or raw SQL), in the same transaction.
  Both run as the role that owns the tables (SECURITY DEFINER), so an application role that may
  not create tables can still create a school year.

The rebuild copies the rows once (INSERT ... SELECT) under an exclusive lock: on a large table,
run it in a maintenance window."""

import re

from django.db import migrations

from madrasa.core.partitions import partition_by_list, unpartition

TABLE = "marks_mark"

PG_FUNCTION = r"""
CREATE OR REPLACE FUNCTION madrasa_ensure_year_partitions(p_year bigint, p_code text)
RETURNS SETOF text LANGUAGE plpgsql
SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  parent regclass;
  parent_name text;
  dflt regclass;
  part text;
  cols text;
  has_rows boolean;
BEGIN
  FOR parent, parent_name, dflt IN
    SELECT p.partrelid::regclass, c.relname, NULLIF(p.partdefid, 0)::regclass
    FROM pg_partitioned_table p
    JOIN pg_class c ON c.oid = p.partrelid
    JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
    WHERE p.partstrat = 'l' AND p.partnatts = 1 AND a.attname = 'year_id'
      AND NOT c.relispartition
      AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
    ORDER BY c.relname
  LOOP
    IF EXISTS (
      SELECT 1 FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid
      WHERE i.inhparent = parent
        AND pg_get_expr(k.relpartbound, k.oid) = format('FOR VALUES IN (%L)', p_year::text)
    ) THEN
      CONTINUE;
    END IF;
    part := parent_name || '_y' || regexp_replace(lower(p_code), '[^a-z0-9]+', '_', 'g');
    IF to_regclass(quote_ident(part)) IS NOT NULL THEN
      -- The name is taken (a detached table of a former year with the same code).
      part := part || '_' || p_year;
    END IF;
    has_rows := false;
    IF dflt IS NOT NULL THEN
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE year_id = %s)', dflt, p_year)
        INTO has_rows;
    END IF;
    IF has_rows THEN
      -- The DEFAULT partition holds rows of this year: take them out while it is detached.
      SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
      FROM pg_attribute WHERE attrelid = parent AND attnum > 0 AND NOT attisdropped;
      -- A table with deferred foreign-key checks pending cannot be altered: run them now.
      SET CONSTRAINTS ALL IMMEDIATE;
      EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', parent, dflt);
      EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES IN (%s)', part, parent, p_year);
      EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM %s WHERE year_id = %s',
                     part, cols, cols, dflt, p_year);
      SET CONSTRAINTS ALL IMMEDIATE;
      EXECUTE format('DELETE FROM %s WHERE year_id = %s', dflt, p_year);
      EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s DEFAULT', parent, dflt);
    ELSE
      EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES IN (%s)', part, parent, p_year);
    END IF;
    RETURN NEXT part;
  END LOOP;
END;
$$;

REVOKE EXECUTE ON FUNCTION madrasa_ensure_year_partitions(bigint, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION madrasa_schoolyear_partitions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM madrasa_ensure_year_partitions(NEW.id, NEW.code);
  RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS registry_schoolyear_partitions ON registry_schoolyear;
CREATE TRIGGER registry_schoolyear_partitions
  AFTER INSERT ON registry_schoolyear
  FOR EACH ROW EXECUTE FUNCTION madrasa_schoolyear_partitions();
"""

PG_DROP_FUNCTION = """
DROP TRIGGER IF EXISTS registry_schoolyear_partitions ON registry_schoolyear;
DROP FUNCTION IF EXISTS madrasa_schoolyear_partitions();
DROP FUNCTION IF EXISTS madrasa_ensure_year_partitions(bigint, text);
"""


def year_partitions(apps, alias, table):
    """(year id, partition name) for every school year, named as the SQL function names them."""
    SchoolYear = apps.get_model("registry", "SchoolYear")
    out, taken = [], set()
    for pk, code in SchoolYear.objects.using(alias).order_by("starts_on").values_list("pk", "code"):
        name = f"{table}_y{re.sub('[^a-z0-9]+', '_', code.lower())}"
        if name in taken:
            name = f"{name}_{pk}"
        taken.add(name)
        out.append((pk, name))
    return out


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        partition_by_list(
            cursor,
            table=TABLE,
            key="year_id",
            partitions=year_partitions(apps, connection.alias, TABLE),
            default=f"{TABLE}_default",
        )
    schema_editor.execute(PG_FUNCTION, params=None)


def backward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    schema_editor.execute(PG_DROP_FUNCTION, params=None)
    with connection.cursor() as cursor:
        unpartition(cursor, table=TABLE, key="year_id")


class Migration(migrations.Migration):
    dependencies = [("marks", "0005_mark_year_required")]
    operations = [migrations.RunPython(forward, backward)]
