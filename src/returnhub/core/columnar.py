"""Column-wise reads of a table into a typed Polars frame (Arrow underneath), for bulk work.

Reading a million rows through SQLAlchemy's ORM layer builds a Python object per value and runs its type
processors on each (about 50 µs a row for the case projection); bulk work wants columns. One function,
:func:`read_columns`, reads only the columns asked for, on the session's own connection, so the rows are
exactly those the caller's transaction sees (its own uncommitted writes included):

* **PostgreSQL**: ``COPY (SELECT …) TO STDOUT (FORMAT csv)`` through psycopg, parsed by Polars'
  multi-threaded CSV reader. Dates travel as day numbers and booleans as 0/1, so there is no text date
  parsing and no dependence on ``DateStyle``.
* **SQLite**: the sqlite3 cursor's rows handed to Polars' row-oriented constructor (in Rust), dates sent
  as day numbers by SQLite (``julianday``). Measured on the 200,000-person projection (46 columns): 0.9 s
  of CPU to fetch, 0.6 s to build the frame, against 1.9 s for a Python transposition into Arrow arrays.

Never a second SQLite library in this process. connectorx (0.7 s of CPU on the 200,000-person projection,
40 of 98 columns) and the ADBC SQLite driver (0.8 s) each carry their own copy of SQLite. POSIX file locks
belong to the process, not to the library, so when such a copy closes its connection it believes it is
the last one, checkpoints and deletes the ``-wal`` and ``-shm`` files under the connections this process
still holds: the next connection found "disk I/O error" or "database disk image is malformed"
(tests/core/test_columnar.py keeps that from coming back). SQLite's own documentation warns against two
copies of the library in one process for this reason. On PostgreSQL connectorx was no faster than COPY.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

#: The column types this module reads (those of the case projection's facts).
_SUPPORTED = (pl.Date, pl.Boolean, pl.Int64, pl.Int32, pl.String)


def read_columns(
    bind: Session | Connection,
    table: Table,
    schema: Mapping[str, pl.DataType],
    *,
    order_by: Sequence[str] = (),
    where: str | None = None,
) -> pl.DataFrame:
    """The columns named by ``schema`` of every row of ``table`` (of the rows that meet ``where``, a SQL
    condition the caller writes, never user input), typed as ``schema`` says, sorted by ``order_by`` (by
    Polars: text in byte order, which for codes and references is the database's order).

    Reads in the caller's transaction, on its connection.
    """
    for name, dtype in schema.items():
        if name not in table.c:
            raise ValueError(f"{table.name} has no column {name!r}")
        if not isinstance(dtype, _SUPPORTED):
            raise ValueError(f"column {name!r}: cannot read {dtype} column-wise")
    connection = bind.connection() if isinstance(bind, Session) else bind
    dialect = connection.dialect.name
    if dialect == "postgresql":
        frame = _postgres_copy(connection, table, schema, where)
    elif dialect == "sqlite":
        frame = _sqlite_cursor(connection, table, schema, where)
    else:
        raise ValueError(f"no column-wise reader for {dialect}")
    return frame.sort(list(order_by)) if order_by else frame


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select(table: Table, expressions: Sequence[str], where: str | None) -> str:
    # No ORDER BY: the rows are sorted by Polars (in parallel) after the read. SQLite would walk an index
    # and fetch each row from its page out of order; PostgreSQL would sort on one core.
    sql = f"SELECT {', '.join(expressions)} FROM {_quote(table.name)}"
    return sql if where is None else f"{sql} WHERE {where}"


def _typed(frame: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Cast the wire types (day numbers, 0/1, text) to ``schema``."""
    return frame.select(pl.col(name).cast(dtype) for name, dtype in schema.items())


# ----------------------------------------------------------------------------------------------------------
# PostgreSQL
# ----------------------------------------------------------------------------------------------------------


def _postgres_copy(
    connection: Connection, table: Table, schema: Mapping[str, pl.DataType], where: str | None
) -> pl.DataFrame:
    expressions = []
    wire: dict[str, pl.DataType] = {}
    for name, dtype in schema.items():
        column = _quote(name)
        if isinstance(dtype, pl.Date):
            expressions.append(f"({column} - DATE '1970-01-01')")
            wire[name] = pl.Int32()
        elif isinstance(dtype, pl.Boolean):
            expressions.append(f"{column}::int")
            wire[name] = pl.Int8()
        else:
            expressions.append(column)
            wire[name] = dtype
    sql = f"COPY ({_select(table, expressions, where)}) TO STDOUT (FORMAT csv)"
    raw: Any = connection.connection.dbapi_connection
    chunks = []
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for chunk in copy:
            chunks.append(bytes(chunk))
    data = b"".join(chunks)
    if not data:
        return pl.DataFrame(schema=dict(schema))
    # In PostgreSQL's CSV an unquoted empty field is NULL and a quoted one ("") the empty string, which is
    # how Polars reads them too (``empty_string_is_null`` applies to unquoted fields only).
    frame = pl.read_csv(
        data, has_header=False, new_columns=list(schema), schema_overrides=wire, infer_schema=False
    )
    return _typed(frame, schema)


# ----------------------------------------------------------------------------------------------------------
# SQLite
# ----------------------------------------------------------------------------------------------------------


def _sqlite_cursor(
    connection: Connection, table: Table, schema: Mapping[str, pl.DataType], where: str | None
) -> pl.DataFrame:
    expressions = []
    wire: dict[str, pl.DataType] = {}
    for name, dtype in schema.items():
        column = _quote(name)
        if isinstance(dtype, pl.Date):
            # SQLAlchemy stores a date as ISO text; SQLite turns it into a day number faster than Polars
            # parses text (a whole day's Julian number ends in .5, so the difference is exact).
            expressions.append(f"CAST(julianday({column}) - 2440587.5 AS INTEGER)")
            wire[name] = pl.Int32()
        elif isinstance(dtype, pl.Boolean):
            expressions.append(column)
            wire[name] = pl.Int8()
        else:
            expressions.append(column)
            wire[name] = dtype
    raw: Any = connection.connection.dbapi_connection
    rows = raw.execute(_select(table, expressions, where)).fetchall()
    if not rows:
        return pl.DataFrame(schema=dict(schema))
    return _typed(pl.DataFrame(rows, schema=wire, orient="row"), schema)
