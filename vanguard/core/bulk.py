"""Writing many rows at once without the ORM's per-object work: what the roster import
and the month close use for their tens of thousands of rows. The rows are plain data,
checked by the caller's services; this only moves them into the table."""

from __future__ import annotations

from functools import partial

from django.db import connections, router


def insert_rows(model, rows: list[dict], *, now) -> None:
    """INSERT many rows with multi-row statements, bypassing the ORM's per-value preparation
    (two thirds of the time of bulk_create for 10,000 people, most of the time of closing
    a month for 75,000 members). `rows` map field names
    (foreign keys by id) to Python values; a field left out takes its default, auto_now
    fields take `now`. Values are adapted as the ORM would (dates, datetimes, JSON)."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    ops = connection.ops
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    preparers = []
    for f in fields:
        internal = f.get_internal_type()
        if internal == "DateTimeField":
            prep = ops.adapt_datetimefield_value
        elif internal == "DateField":
            prep = ops.adapt_datefield_value
        elif internal == "JSONField":
            prep = partial(f.get_db_prep_save, connection=connection)
        else:
            prep = None
        auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        default = None if auto else f.get_default()
        preparers.append((f.name, prep, auto, default))
    now_db = ops.adapt_datetimefield_value(now)
    params = []
    for row in rows:
        out = []
        for name, prep, auto, default in preparers:
            if auto:
                out.append(now_db)
                continue
            value = row.get(name, default)
            if hasattr(value, "pk"):
                value = value.pk
            if prep is not None and value is not None:
                value = prep(value)
            out.append(value)
        params.append(out)
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # One multi-row INSERT per batch: PostgreSQL would otherwise see one statement per
    # row. 30,000 parameters stay under SQLite's (32,766) and PostgreSQL's (65,535) caps.
    size = max(1, min(1000, 30_000 // len(fields)))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: no statement to parse at all (psycopg splits a long VALUES list in Python).
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
            return
        for i in range(0, len(params), size):
            batch = params[i : i + size]
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_marks] * len(batch))}"  # noqa: S608 (names from the model)
            cursor.execute(sql, [v for row in batch for v in row])
