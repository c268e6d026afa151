"""Bulk writes of the proposal: one statement each, whatever the number of rows."""

from __future__ import annotations

import json

from django.db import connection


# -- bulk writes: one statement each, whatever the number of rows -----------------------------
def _recordset(model: type, columns: list[str], rows: list[tuple]) -> tuple[str, str]:
    """PostgreSQL: ``jsonb_to_recordset`` over the rows sent as one JSON document, its
    column definitions typed as the model's fields; returns that FROM item and the JSON."""
    quote = connection.ops.quote_name
    fields = {f.column: f for f in model._meta.concrete_fields}
    definition = ", ".join(f"{quote(c)} {fields[c].db_type(connection)}" for c in columns)
    document = json.dumps([dict(zip(columns, row, strict=True)) for row in rows],
                          ensure_ascii=False, separators=(",", ":"))
    return f"jsonb_to_recordset(%s::jsonb) AS r({definition})", document


def _prepared(model: type, columns: list[str], rows: list[tuple]) -> list[tuple]:
    """The rows with JSON fields serialized as ``JSONField`` does (``json.dumps`` with the
    field's encoder), without its per-value overhead."""
    fields = {f.column: f for f in model._meta.concrete_fields}
    encoders = {n: fields[c].encoder for n, c in enumerate(columns)
                if fields[c].get_internal_type() == "JSONField"}
    if not encoders:
        return rows
    return [tuple(json.dumps(value, cls=encoders[n]) if n in encoders else value
                  for n, value in enumerate(row)) for row in rows]


def _insert_rows(model: type, columns: list[str], rows: list[tuple]) -> None:
    """Insert many rows without building a model instance each: on PostgreSQL one
    ``INSERT … SELECT`` from a JSON recordset, elsewhere one ``executemany``."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source, document = _recordset(model, columns, rows)
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {source}",  # noqa: S608 (names from the model)
                           [document])
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})",  # noqa: S608
                _prepared(model, columns, rows))


def _update_rows(model: type, columns: list[str], rows: list[tuple]) -> None:
    """Set ``columns`` on many rows, each given as (pk, *values): on PostgreSQL one
    ``UPDATE … FROM`` a JSON recordset, elsewhere one ``executemany``."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source, document = _recordset(model, [model._meta.pk.column, *columns], rows)
            assignments = ", ".join(f"{quote(c)} = r.{quote(c)}" for c in columns)
            cursor.execute(f"UPDATE {table} SET {assignments} FROM {source} "  # noqa: S608
                           f"WHERE {table}.{pk} = r.{pk}", [document])
        else:
            assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
            prepared = _prepared(model, [model._meta.pk.column, *columns], rows)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                               [(*row[1:], row[0]) for row in prepared])


def _delete_rows(model: type, pks: list[int]) -> None:
    """Delete many rows by primary key in one statement (no signals, no cascade)."""
    if not pks:
        return
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {table} WHERE {pk} = ANY(%s)", [pks])  # noqa: S608
        else:
            cursor.executemany(f"DELETE FROM {table} WHERE {pk} = %s",  # noqa: S608
                               [(pk_value,) for pk_value in pks])
