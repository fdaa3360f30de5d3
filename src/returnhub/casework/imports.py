"""Import of legacy exports: CSV or XLSX, one row per event, all or nothing, idempotent.

The column mapping (docs/import.md):

- ``source_id``: the row's id in the legacy system (required, unique). It is stored with the event
  (``imported_events``), so a row already imported is skipped: importing a file twice adds nothing.
- ``person_id``: the legacy system's person id (required). A person met for the first time becomes a new
  case, from the identity columns of their first row: ``family_name``, ``given_name``, ``date_of_birth``
  (YYYY-MM-DD), ``sex`` (M or F), ``nationality`` (ISO 3166-1 alpha-3). Later files add to the same case.
- ``event_type`` and ``occurred_on`` (YYYY-MM-DD): the event and its date in law.
- Any other column is a field of the event's payload, named as in the event catalogue (``route``,
  ``outcome``, ``tier``, ``destination``, ``method``, ``reason``, ``country``, ...); an empty cell is absent.

Every row is checked before anything is written; a dry run lists every bad row (the spreadsheet row
number, with the header as row 1; the column; what is wrong in plain words), and a real run with any bad
row writes nothing. Events that move a person (the hub gate's and the departure gate's) and payloads with
special-category fields are refused here as in the bulk loader: they are recorded one by one through
their gates. New cases are written by the bulk loader's fast path (``bulk._load_chunk``); rows for a
person imported before are appended one by one (``store.append_event``); both in one transaction.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import polars as pl
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from returnhub.casework.events import (
    DEPARTURE_EVENT_TYPES,
    EVENT_PAYLOADS,
    GATED_EVENT_TYPES,
    check_plausible_dates,
    sealed_fields_present,
    validate_payload,
)
from returnhub.casework.models import ImportedEvent, ImportedPerson
from returnhub.core import bounds
from returnhub.core.clock import Clock
from returnhub.core.errors import InvalidInput

Progress = Callable[[int], None]

REQUIRED = ("source_id", "person_id", "event_type", "occurred_on")
IDENTITY = ("family_name", "given_name", "date_of_birth", "sex", "nationality")
FIXED = (*REQUIRED, *IDENTITY)
#: More bad rows than this and the listing stops (the count of bad rows is still exact).
MAX_LISTED = 10_000


@dataclass
class ImportReport:
    rows: int
    imported: int = 0
    already_imported: int = 0
    #: Rows not imported before (what a run would write, when no row is bad).
    new_rows: int = 0
    new_cases: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    bad_rows: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "already_imported": self.already_imported,
            "new_rows": self.new_rows,
            "new_cases": self.new_cases,
            "bad_rows": self.bad_rows,
            "dry_run": self.dry_run,
            "errors": self.errors,
        }


def read_table(path: Path | None = None, *, content: bytes | None = None, name: str = "") -> pl.DataFrame:
    """The file as text columns (nothing inferred, so a value is judged by the rules, not by a guess)."""
    suffix = (path.suffix if path is not None else Path(name).suffix).lower()
    source: Any = path if path is not None else io.BytesIO(content or b"")
    if suffix not in (".xlsx", ".csv", ".txt", ""):
        raise InvalidInput(f"cannot import a {suffix} file: give a CSV or an XLSX file")
    try:
        if suffix == ".xlsx":
            frame = pl.read_excel(source, engine="calamine", infer_schema_length=0)
        else:
            frame = pl.read_csv(source, infer_schema=False)
    except Exception as exc:  # noqa: BLE001 - any reader failure is the file's fault: say so in one line
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InvalidInput(
            f"cannot read the file as {suffix.lstrip('.').upper() or 'CSV'}: {first}"
        ) from None
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InvalidInput(
            f"the file has no {', '.join(missing)} column (see docs/import.md for the columns)"
        )
    frame = frame.select(pl.all().cast(pl.String))
    # No database stores a NUL in text (PostgreSQL refuses it); the API refuses it at its boundary, the
    # importer here, before anything is checked or written.
    if (
        frame.height
        and frame.select(
            pl.any_horizontal(pl.all().str.contains("\x00", literal=True).fill_null(False)).any()
        ).item()
    ):
        raise InvalidInput("the file contains a NUL character, which no field accepts")
    # An empty cell is no value.
    return frame.with_columns(
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c).str.strip_chars()).alias(c)
        for c in frame.columns
    )


def _payload_errors(
    frame: pl.DataFrame, fields: list[str], today: date
) -> tuple[dict[tuple[Any, ...], str], dict[tuple[Any, ...], tuple[str, str]]]:
    """Validate each distinct (event type, payload cells) once: canonical JSON, or (column, message)."""
    good: dict[tuple[Any, ...], str] = {}
    bad: dict[tuple[Any, ...], tuple[str, str]] = {}
    for key in frame.select("event_type", *fields).unique().iter_rows():
        event_type, values = key[0], key[1:]
        if event_type is None or event_type not in EVENT_PAYLOADS:
            continue  # reported on its own column
        if event_type in GATED_EVENT_TYPES or event_type in DEPARTURE_EVENT_TYPES:
            bad[key] = (
                "event_type",
                f"{event_type.replace('_', ' ')} moves a person and is recorded only through the departure "
                "gate, one at a time, not by an import",
            )
            continue
        known = set(EVENT_PAYLOADS[event_type].model_fields)
        data = {f: v for f, v in zip(fields, values, strict=True) if v is not None}
        stray = sorted(set(data) - known)
        if stray:
            bad[key] = (stray[0], f"a {event_type.replace('_', ' ')} has no {stray[0]}")
            continue
        try:
            payload = validate_payload(event_type, data)
        except InvalidInput as exc:
            message = str(exc)
            where = message.split(": ")[1] if message.count(": ") >= 2 else "event_type"
            bad[key] = (where.split(".")[0], message.split(": ", 2)[-1])
            continue
        try:
            check_plausible_dates(event_type, payload, today)
        except InvalidInput as exc:
            named = [f for f in data if f.replace("_", " ") in exc.detail]
            bad[key] = (named[0] if named else "event_type", exc.detail.split(": ", 1)[-1])
            continue
        if sealed := sealed_fields_present(event_type, payload):
            bad[key] = (
                sealed[0],
                "special-category text is recorded one case at a time, sealed, not imported",
            )
            continue
        good[key] = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode()
    return good, bad


def check(session: Session, frame: pl.DataFrame, clock: Clock) -> tuple[ImportReport, pl.DataFrame]:
    """Every bad row of the file, and the good rows not imported before (with their canonical payloads)."""
    from returnhub.partners.countries import all_country_codes

    report = ImportReport(rows=frame.height)
    fields = [c for c in frame.columns if c not in FIXED]
    frame = frame.with_row_index("row", offset=2)  # the header is row 1
    problems: list[pl.DataFrame] = []

    def flag(mask: pl.Expr, column: str, message: str | pl.Expr) -> None:
        hit = frame.filter(mask).select(
            "row",
            pl.lit(column).alias("column"),
            (message if isinstance(message, pl.Expr) else pl.lit(message)).alias("message"),
        )
        if hit.height:
            problems.append(hit)

    today = clock.today()
    occurred = pl.col("occurred_on").str.to_date("%Y-%m-%d", strict=False)
    for column in REQUIRED:
        flag(pl.col(column).is_null(), column, f"no {column.replace('_', ' ')} given")
    flag(
        pl.col("source_id").is_not_null() & pl.col("source_id").is_duplicated(),
        "source_id",
        pl.lit("the source id ") + pl.col("source_id") + pl.lit(" is on more than one row"),
    )
    flag(
        pl.col("event_type").is_not_null() & ~pl.col("event_type").is_in(list(EVENT_PAYLOADS)),
        "event_type",
        pl.lit("there is no event type called ") + pl.col("event_type"),
    )
    flag(
        pl.col("occurred_on").is_not_null() & occurred.is_null(),
        "occurred_on",
        pl.lit("the date ") + pl.col("occurred_on") + pl.lit(" is not a date written YYYY-MM-DD"),
    )
    flag(occurred > today, "occurred_on", f"the date is after today ({today:%d %B %Y})")
    flag(
        occurred < bounds.earliest_date(),
        "occurred_on",
        f"the date is before {bounds.EARLIEST_YEAR.value}: check the year",
    )

    # Payloads, once per distinct combination.
    good, bad = _payload_errors(frame, fields, today)
    keys = frame.select("event_type", *fields).rows()
    canonical = [good.get(k) for k in keys]
    frame = frame.with_columns(pl.Series("data", canonical, dtype=pl.String))
    for key, (column, message) in bad.items():
        mask = pl.lit(True)
        for name, value in zip(["event_type", *fields], key, strict=True):
            mask = mask & (pl.col(name).is_null() if value is None else (pl.col(name) == value))
        flag(mask, column, message)

    # People met for the first time need who they are, from their first row.
    known_people = {
        r[0]: r[1]
        for r in session.execute(
            select(ImportedPerson.legacy_id, ImportedPerson.case_id).where(
                ImportedPerson.legacy_id.in_(frame["person_id"].drop_nulls().unique().to_list())
            )
        )
    }
    firsts = frame.filter(pl.col("person_id").is_not_null()).unique(
        "person_id", keep="first", maintain_order=True
    )
    new = firsts.filter(~pl.col("person_id").is_in(list(known_people)))
    for column in IDENTITY:
        if column not in new.columns:
            new = new.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    rows_new = new["row"]
    is_new = pl.col("row").is_in(rows_new.implode())
    frame_id = frame
    for column in IDENTITY:
        if column not in frame_id.columns:
            frame_id = frame_id.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    frame = frame_id
    for column in ("family_name", "given_name"):
        flag(is_new & pl.col(column).is_null(), column, f"a new person needs a {column.replace('_', ' ')}")
    flag(
        is_new & pl.col("date_of_birth").str.to_date("%Y-%m-%d", strict=False).is_null(),
        "date_of_birth",
        "a new person needs a date of birth written YYYY-MM-DD",
    )
    born = pl.col("date_of_birth").str.to_date("%Y-%m-%d", strict=False)
    oldest = date(today.year - bounds.OLDEST_AGE_YEARS.value, 1, 1)
    flag(
        is_new & ((born > today) | (born < oldest)).fill_null(False),
        "date_of_birth",
        f"the date of birth is in the future or more than {bounds.OLDEST_AGE_YEARS.value} years ago",
    )
    flag(is_new & ~pl.col("sex").is_in(["M", "F"]).fill_null(False), "sex", "sex must be M or F")
    flag(
        is_new & ~pl.col("nationality").is_in(sorted(all_country_codes())).fill_null(False),
        "nationality",
        "nationality must be an ISO 3166 three-letter country code (for example ALB for Albania)",
    )

    errors = (
        pl.concat(problems).sort("row", "column")
        if problems
        else pl.DataFrame(schema={"row": pl.UInt32, "column": pl.String, "message": pl.String})
    )
    report.bad_rows = errors["row"].n_unique() if errors.height else 0
    report.errors = errors.head(MAX_LISTED).to_dicts()

    # Rows already imported (by source id) are skipped, not refused.
    seen: set[str] = set()
    ids = frame["source_id"].drop_nulls().unique().to_list()
    for start in range(0, len(ids), 10_000):
        seen.update(
            r[0]
            for r in session.execute(
                select(ImportedEvent.source_id).where(
                    ImportedEvent.source_id.in_(ids[start : start + 10_000])
                )
            )
        )
    fresh = frame.filter(~pl.col("source_id").is_in(list(seen)))
    report.already_imported = frame.height - fresh.height
    report.new_rows = fresh.height
    fresh = fresh.with_columns(
        occurred.alias("occurred_on"),
        pl.col("person_id").is_in(list(known_people)).alias("known_person"),
        pl.col("person_id")
        .replace_strict(known_people, default=None, return_dtype=pl.Int64)
        .alias("case_id"),
    )
    return report, fresh


def import_file(
    engine: Engine,
    frame: pl.DataFrame,
    *,
    clock: Clock,
    recorded_by: str = "import",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row; unless it is a dry run and if no row is bad, write the new rows in one transaction."""
    from returnhub.casework import bulk
    from returnhub.casework.store import append_event

    with engine.begin() as conn:
        session = Session(bind=conn)
        report, fresh = check(session, frame, clock)
        report.dry_run = dry_run
        if dry_run or report.errors or fresh.height == 0:
            return report  # nothing was written; the block ends the read-only transaction
        now = clock.now()
        new_rows = fresh.filter(~pl.col("known_person"))
        people = new_rows.unique("person_id", keep="first", maintain_order=True).with_row_index(
            "person_index"
        )
        persons = people.select(
            pl.col("person_index").cast(pl.Int64),
            "given_name",
            "family_name",
            pl.col("date_of_birth").str.to_date("%Y-%m-%d"),
            "sex",
            "nationality",
            pl.lit([], dtype=pl.List(pl.String)).alias("languages"),
            pl.lit(None, dtype=pl.Int64).alias("family_index"),
        )
        events = (
            new_rows.join(people.select("person_id", "person_index"), on="person_id")
            .with_columns(pl.int_range(1, pl.len() + 1).over("person_index").alias("sequence"))
            .select(
                pl.col("person_index").cast(pl.Int64),
                "sequence",
                "event_type",
                "occurred_on",
                pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("recorded_at"),
                "data",
                "source_id",
            )
            .sort("person_index", "sequence")
        )
        # The import time, formatted once as the driver stores it (these rows go by the driver's fast path).
        stamp: Any = bulk._sqlite_datetime(now) if conn.dialect.name == "sqlite" else now
        links: list[tuple[Any, ...]] = []
        if persons.height:
            first_person = bulk._next_id(conn, "persons")
            first_event = bulk._next_id(conn, "case_events")
            with bulk._gc_paused():
                bulk._load_chunk(
                    conn, persons, events.drop("source_id"), clock=clock, recorded_by=recorded_by
                )
            # The loader numbers events and persons from the next ids, in this order.
            event_ids = range(first_event, first_event + events.height)
            links.extend((s, e, stamp) for s, e in zip(events["source_id"].to_list(), event_ids, strict=True))
            bulk._fast_insert(
                conn,
                "imported_persons",
                ("legacy_id", "case_id"),
                [(p, first_person + i) for i, p in enumerate(people["person_id"].to_list())],
                preformatted=True,
            )
            report.new_cases = persons.height
            if progress is not None:
                progress(events.height)
        # People imported before: one append each, through the store (their fold and projection).
        from returnhub.people.models import Person

        later = fresh.filter(pl.col("known_person"))
        references = {
            r[0]: r[1]
            for r in session.execute(
                select(Person.id, Person.reference).where(Person.id.in_(later["case_id"].unique().to_list()))
            )
        }
        for source_id, case_id, event_type, occurred_on, data in later.select(
            "source_id", "case_id", "event_type", "occurred_on", "data"
        ).iter_rows():
            result = append_event(
                session,
                references[case_id],
                event_type,
                occurred_on,
                orjson.loads(data),
                clock=clock,
                recorded_by=recorded_by,
            )
            links.append((source_id, result.event_id, stamp))
            if progress is not None:
                progress(1)
        session.flush()
        bulk._fast_insert(
            conn, "imported_events", ("source_id", "event_id", "imported_at"), links, preformatted=True
        )
        report.imported = len(links)
    return report


def imported_count(session: Session) -> int:
    from sqlalchemy import func

    return int(session.execute(select(func.count()).select_from(ImportedEvent)).scalar_one())
