"""Dated parameters with their legal sources, as OpenFisca and PolicyEngine keep them.

A parameter is a time series: each value holds from its ``from`` date until the next value's date, and
each value carries its own citation (title, href, optional paragraph and note). A change in the law is a
new dated value, never an edit of an old one, so an evaluation on any past date reads the value then in
force. Points the research could not verify keep a citation whose note says ``UNVERIFIED``.

YAML shape (one or more parameters per file, under ``packs/<pack>/*.yaml``)::

    nrm.recovery_period_days:
      description: Minimum recovery period after a positive reasonable-grounds decision.
      unit: days
      values:
        - from: 2023-01-30
          value: 30
          citation: {title: ..., href: https://..., paragraph: s.61}
          note: optional
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import yaml

from returnhub.safeguards.errors import DateOutOfRange, PackDefinitionError


@dataclass(frozen=True)
class Citation:
    """A legal or documentary source: what it is, where to read it, which paragraph."""

    title: str
    href: str
    paragraph: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"title": self.title, "href": self.href, "paragraph": self.paragraph, "note": self.note}

    @classmethod
    def parse(cls, raw: Any, where: str) -> Citation:
        if not isinstance(raw, Mapping):
            raise PackDefinitionError(f"{where}: citation must be a mapping with title and href")
        title, href = raw.get("title"), raw.get("href")
        if not isinstance(title, str) or not title.strip():
            raise PackDefinitionError(f"{where}: citation has no title")
        if not isinstance(href, str) or not href.startswith(("http://", "https://")):
            raise PackDefinitionError(f"{where}: citation href must be an http(s) URL, not {href!r}")
        paragraph = raw.get("paragraph")
        note = raw.get("note")
        return cls(title.strip(), href.strip(), None if paragraph is None else str(paragraph), note)


@dataclass(frozen=True)
class DatedValue:
    start: date
    value: Any
    citation: Citation
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, list | tuple | frozenset | set):
            value = [v.isoformat() if isinstance(v, date) else v for v in value]
        return {
            "from": self.start.isoformat(),
            "value": value,
            "citation": self.citation.as_dict(),
            "note": self.note,
        }


@dataclass(frozen=True)
class Parameter:
    """One named quantity of the law with its dated values (sorted by date, no two on one date)."""

    name: str
    description: str
    values: tuple[DatedValue, ...]
    unit: str | None = None

    def __post_init__(self) -> None:
        if not self.values:
            raise PackDefinitionError(f"parameter {self.name}: no values")
        starts = [v.start for v in self.values]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise PackDefinitionError(f"parameter {self.name}: values must be in date order, one per date")

    @property
    def first_date(self) -> date:
        return self.values[0].start

    def entry_on(self, on: date) -> DatedValue:
        found: DatedValue | None = None
        for entry in self.values:
            if entry.start <= on:
                found = entry
            else:
                break
        if found is None:
            raise DateOutOfRange(
                f"parameter {self.name} has no value on {on.isoformat()} "
                f"(its first value is from {self.first_date.isoformat()})"
            )
        return found

    def value_on(self, on: date) -> Any:
        return self.entry_on(on).value

    def has_value_on(self, on: date) -> bool:
        return self.first_date <= on

    def by_date(self, key: pl.Expr, dtype: pl.DataType | None = None) -> pl.Expr:
        """The value in force on each row's ``key`` date (null where the key is null or precedes every value).

        Used where the law fixes a period by the date of an event (the recovery period that applied when
        the reasonable-grounds decision was made), not by the date of the evaluation.
        """
        return self.piecewise(key, lambda value: pl.lit(value, dtype=dtype), dtype)

    def piecewise(
        self, key: pl.Expr, build: Callable[[Any], pl.Expr], dtype: pl.DataType | None = None
    ) -> pl.Expr:
        """``build(value)`` for the value in force on each row's ``key`` date (null before the first).

        Lets an expression use the value as a constant (e.g. a number of working days), which Polars
        evaluates much faster than a per-row argument.
        """
        expr: pl.Expr = pl.lit(None, dtype=dtype)
        # Oldest value first, so that the newest date ends up as the outermost test.
        for entry in self.values:
            expr = pl.when(key >= pl.lit(entry.start, dtype=pl.Date)).then(build(entry.value)).otherwise(expr)
        return expr

    def with_value(self, value: DatedValue) -> Parameter:
        """A copy with ``value`` added (replacing a value on the same date): what-if and tests."""
        kept = [v for v in self.values if v.start != value.start]
        return replace(self, values=tuple(sorted([*kept, value], key=lambda v: v.start)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "unit": self.unit,
            "values": [v.as_dict() for v in self.values],
        }


@dataclass(frozen=True)
class ParameterSet:
    """A pack's parameters by name."""

    parameters: Mapping[str, Parameter] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise PackDefinitionError(f"unknown parameter {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.parameters

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self.parameters[name] for name in sorted(self.parameters))

    def __len__(self) -> int:
        return len(self.parameters)

    def with_value(self, name: str, value: DatedValue) -> ParameterSet:
        updated = dict(self.parameters)
        updated[name] = self[name].with_value(value)
        return ParameterSet(updated)

    def digest(self) -> str:
        body = orjson.dumps([p.as_dict() for p in self], option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(body).hexdigest()

    @classmethod
    def load(cls, directory: Path) -> ParameterSet:
        files = sorted(directory.glob("*.yaml"))
        if not files:
            raise PackDefinitionError(f"no parameter files in {directory}")
        found: dict[str, Parameter] = {}
        for path in files:
            for parameter in parse_parameters(yaml.safe_load(path.read_text(encoding="utf-8")), path.name):
                if parameter.name in found:
                    raise PackDefinitionError(f"parameter {parameter.name} defined twice ({path.name})")
                found[parameter.name] = parameter
        return cls(found)


def _parse_date(raw: Any, where: str) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise PackDefinitionError(f"{where}: 'from' must be a date, not {raw!r}") from None


def _normalise_value(raw: Any) -> Any:
    # YAML lists become tuples so that parameters stay hashable and immutable.
    if isinstance(raw, list):
        return tuple(_normalise_value(v) for v in raw)
    if isinstance(raw, dict):
        return {k: _normalise_value(v) for k, v in raw.items()}
    return raw


def parse_parameters(document: Any, source: str) -> Iterable[Parameter]:
    if not isinstance(document, Mapping):
        raise PackDefinitionError(f"{source}: expected a mapping of parameter names")
    for name, body in document.items():
        where = f"{source}: {name}"
        if not isinstance(body, Mapping) or not isinstance(body.get("values"), list):
            raise PackDefinitionError(f"{where}: needs description and a list of values")
        description = body.get("description")
        if not isinstance(description, str) or not description.strip():
            raise PackDefinitionError(f"{where}: needs a description")
        values = []
        for i, raw in enumerate(body["values"]):
            if not isinstance(raw, Mapping) or "value" not in raw or "from" not in raw:
                raise PackDefinitionError(f"{where}[{i}]: each value needs from, value and citation")
            values.append(
                DatedValue(
                    start=_parse_date(raw["from"], f"{where}[{i}]"),
                    value=_normalise_value(raw["value"]),
                    citation=Citation.parse(raw.get("citation"), f"{where}[{i}]"),
                    note=raw.get("note"),
                )
            )
        yield Parameter(str(name), description.strip(), tuple(values), body.get("unit"))
