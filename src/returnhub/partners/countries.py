"""Countries (ISO 3166-1 from pycountry, plus Kosovo) and the documented region mappings.

Kosovo has no ISO 3166-1 code (pycountry has none); ``XK``/``XKX`` are user-assigned codes that the EU,
ICAO travel documents and most registers use, so this module adds them as a country.

A partner may be reported without being named ("countries in Africa"): ``XAF`` is a user-assigned
placeholder for such a pipeline. It is a partner in the register only, never a nationality, so it is not
among ``all_country_codes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import pycountry
import yaml

from returnhub.core.errors import InvalidInput


@dataclass(frozen=True)
class Country:
    alpha_3: str
    alpha_2: str
    name: str


#: User-assigned code (ISO 3166-1 reserves XA-XZ for users); documented in docs/partners.md.
KOSOVO = Country("XKX", "XK", "Kosovo")

#: Unnamed partners reported in talks (user-assigned codes; ISO 3166-1 reserves XAA-XZZ for users).
UNNAMED_AFRICA = Country("XAF", "XF", "Countries in Africa (not named)")
_PLACEHOLDERS = {UNNAMED_AFRICA.alpha_3: UNNAMED_AFRICA}

#: Spellings people type that ISO does not carry. Keys are upper-cased.
_ALIASES = {"UK": "GBR", "KOSOVO": "XKX", "XK": "XKX", "XKX": "XKX"}


@lru_cache(maxsize=1)
def _by_alpha_3() -> dict[str, Country]:
    table = {
        c.alpha_3: Country(c.alpha_3, c.alpha_2, getattr(c, "common_name", None) or c.name)
        for c in pycountry.countries
    }
    table[KOSOVO.alpha_3] = KOSOVO
    return table


def all_country_codes() -> frozenset[str]:
    """Every ISO alpha-3 code, plus XKX: "every nationality" when a hub country is unsafe for everyone."""
    return frozenset(_by_alpha_3())


def resolve_country(text: str, what: str = "country") -> Country:
    """An alpha-2, alpha-3 or English name (case-insensitive) to a ``Country``; InvalidInput otherwise."""
    key = text.strip()
    if not key:
        raise InvalidInput(f"{what} is empty")
    alias = _ALIASES.get(key.upper())
    if alias is not None:
        return _by_alpha_3()[alias]
    if key.upper() in _PLACEHOLDERS:
        return _PLACEHOLDERS[key.upper()]
    try:
        found: Any = pycountry.countries.lookup(key)
    except LookupError:
        raise InvalidInput(
            f"{what} {text!r} is not an ISO 3166-1 country (give an alpha-2 or alpha-3 code, e.g. MKD)"
        ) from None
    return _by_alpha_3()[found.alpha_3]


def country_code(text: str, what: str = "country") -> str:
    return resolve_country(text, what).alpha_3


def country_name(alpha_3: str) -> str:
    country = _by_alpha_3().get(alpha_3) or _PLACEHOLDERS.get(alpha_3)
    return country.name if country else alpha_3


def country_codes(values: list[str], what: str) -> list[str]:
    """Resolve, de-duplicate and sort a list of countries (so equal lists compare and hash equal)."""
    return sorted({country_code(v, what) for v in values})


@dataclass(frozen=True)
class Region:
    name: str
    title: str
    countries: frozenset[str]
    source: str


@lru_cache(maxsize=1)
def regions() -> dict[str, Region]:
    """Regions from ``regions.yaml``; every code is checked against ISO 3166 when the file is read."""
    text = resources.files("returnhub.partners").joinpath("regions.yaml").read_text(encoding="utf-8")
    raw: dict[str, dict[str, Any]] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    out: dict[str, Region] = {}
    for name, body in raw.items():
        codes = frozenset(country_code(c, f"region {name} member") for c in body["countries"])
        out[name] = Region(name, str(body["title"]), codes, str(body["source"]))
    return out


def region(name: str) -> Region:
    found = regions().get(name)
    if found is None:
        raise InvalidInput(f"unknown region {name!r}; known regions: {', '.join(sorted(regions()))}")
    return found
