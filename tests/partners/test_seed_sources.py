"""The register states its facts as its sources do, and shows where each comes from (issue 13, finding 14).

Provenance (sourced, reported, illustrative) is shown wherever a fact is shown; reported talks are not
confirmed facts; and the dates the rule packs carry as defaults are the register's dates (one source)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy.engine import Engine

from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.partners import service
from returnhub.partners.seed import seed_data, seed_partners
from returnhub.safeguards.default_terms import PREFIX
from returnhub.safeguards.packs import get_pack

from .test_seed_and_cli import run

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def seeded(runtime: Runtime) -> Runtime:
    with unit_of_work(runtime.engine) as s:
        seed_partners(s, runtime.clock)
    return runtime


@SQLITE_ONLY
def test_provenance_is_shown_in_list_show_and_occupancy(
    seeded: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(seeded, capsys, "partners", "list", "--on", "2026-01-15", "--json")
    assert code == 0
    rows = {(r["sending_state"], r["partner_country"]): r for r in json.loads(out)}
    # The invented UK-North Macedonia agreement is illustrative; the talks behind it were only reported.
    mkd = rows[("GBR", "MKD")]
    assert mkd["provenance"] == "illustrative"
    assert mkd["agreement_provenance"] == {"GBR-MKD-ILLUSTRATIVE": "illustrative"}
    # Serbia and North Macedonia: reported talks ("insiders insist"), not confirmed.
    assert rows[("GBR", "SRB")]["provenance"] == "reported"
    assert "insiders insist" in rows[("GBR", "SRB")]["source_title"]
    # Countries in Africa, unnamed, reported.
    africa = rows[("GBR", "XAF")]
    assert africa["status"] == "in_talks" and africa["provenance"] == "reported"
    assert africa["partner_name"] == "Countries in Africa (not named)"
    assert rows[("GBR", "RWA")]["provenance"] == "sourced"

    # --known-at: as the register knew it before the seed, it held nothing.
    code, out, _ = run(seeded, capsys, "partners", "list", "--known-at", "2000-01-01T00:00:00Z", "--json")
    assert code == 0 and json.loads(out) == []
    code, _, err = run(seeded, capsys, "partners", "list", "--known-at", "yesterday")
    assert code == 2 and err.count("\n") == 1 and "--known-at" in err

    code, table, _ = run(seeded, capsys, "partners", "list", "--on", "2026-01-15")
    assert code == 0 and "illustrative" in table and "reported" in table

    code, out, _ = run(seeded, capsys, "partners", "show", "MKD", "--on", "2026-01-15", "--json")
    shown = json.loads(out)
    assert shown["agreements"][0]["provenance"] == "illustrative"
    assert shown["agreements"][0]["terms"]["provenance"] == "illustrative"
    assert {h["provenance"] for h in shown["hubs"]} == {"illustrative"}
    code, text, _ = run(seeded, capsys, "partners", "show", "MKD", "--on", "2026-01-15")
    assert "illustrative" in text and "reported" in text

    code, out, _ = run(seeded, capsys, "hubs", "occupancy", "--on", "2026-01-15", "--json")
    hubs = {h["hub"]: h for h in json.loads(out)}
    assert hubs["GBR-MKD-H1"]["provenance"] == "illustrative"
    assert hubs["ITA-ALB-GJADER-CPR"]["provenance"] == "sourced"
    code, table, _ = run(seeded, capsys, "hubs", "occupancy", "--on", "2026-01-15")
    assert "illustrative" in table and "sourced" in table


@SQLITE_ONLY
def test_dates_follow_the_sources(engine: Engine, clock: FixedClock) -> None:
    with unit_of_work(engine) as s:
        seed_partners(s, clock)
    with unit_of_work(engine, read_only=True) as s:
        rwanda = {n.sending_state: n for n in service.show_partner(s, "RWA", date(2025, 1, 1)).negotiations}
        italy = service.agreement_on(s, "ITA-ALB-PROTOCOL", date(2024, 10, 13))
        italy_day = service.agreement_on(s, "ITA-ALB-PROTOCOL", date(2024, 10, 14))
        cpr_april = service.hub_on(s, "ITA-ALB-GJADER-CPR", date(2025, 4, 11))
        cpr_july = service.hub_on(s, "ITA-ALB-GJADER-CPR", date(2025, 7, 29))
        gjader = service.hub_on(s, "ITA-ALB-GJADER", date(2025, 4, 11))
    # The UK-Rwanda partnership ended on 22 July 2024 (Home Secretary's statement; research 3.6).
    assert rwanda["GBR"].status == "terminated" and rwanda["GBR"].since == date(2024, 7, 22)
    # Italy-Albania: signed 6 November 2023; operating from the first transfer, 14 October 2024.
    assert italy.signed_on == date(2023, 11, 6)
    assert italy.in_force is False and italy_day.in_force is True
    # Gjadër: 880 places built; repurposed as a CPR on 11 April 2025 (about 40 places then, 96 in July).
    assert gjader.status == "closed" and gjader.versions[0].beds == {"single_adult_male": 880}
    assert cpr_april.beds_total == 40 and cpr_july.beds_total == 96
    assert cpr_july.versions[0].beds == {"single_adult_male": 144}


def _seed_dates(reference: str) -> tuple[set[date], list[tuple[date, str]], str, str]:
    """Every legal date the seed records for an agreement: its pipeline steps, terms, hubs and the sending
    state's assessments of the partner; and the pipeline's steps in order."""
    data = seed_data()
    (agreement,) = [a for a in data["agreements"] if a["reference"] == reference]
    sending, partner = agreement["sending_state"], agreement["partner_country"]
    (pipeline,) = [
        n for n in data["negotiations"] if (n["sending_state"], n["partner_country"]) == (sending, partner)
    ]
    steps = [(s["occurred_on"], s["status"]) for s in pipeline["steps"]]
    dates = {d for d, _ in steps}
    dates |= {agreement["terms"]["effective_from"]}
    dates |= {a["effective_from"] for a in agreement.get("amendments", [])}
    for hub in data["hubs"]:
        if hub["agreement"] == reference:
            dates |= {hub["effective_from"]} | {c["effective_from"] for c in hub.get("changes", [])}
    dates |= {
        a["assessed_on"]
        for a in data["assessments"]
        if (a["assessing_state"], a["country"]) == (sending, partner)
    }
    return dates, steps, sending, partner


def _in_force(steps: list[tuple[date, str]], on: date) -> bool:
    status = None
    for day, step_status in steps:
        if day <= on:
            status = step_status
    return status == "in_force"


@pytest.mark.parametrize(
    ("pack", "default", "reference"),
    [("uk", "UK-RWA", "GBR-RWA-MEDP"), ("eu", "ITA-ALB", "ITA-ALB-PROTOCOL")],
)
def test_the_packs_dated_defaults_are_the_registers_dates(pack: str, default: str, reference: str) -> None:
    """One source: every date a pack's default terms change on is a date the register records for the
    same agreement, and the pack says the agreement is in force exactly when the register does."""
    (parameter,) = [p for p in get_pack(pack).parameters if p.name == PREFIX + default]
    seed_dates, steps, sending, partner = _seed_dates(reference)
    pack_dates = {entry.start for entry in parameter.values}
    assert pack_dates <= seed_dates, f"pack dates not in the register: {sorted(pack_dates - seed_dates)}"
    for entry in parameter.values:
        assert entry.value["sending_state"] == sending and entry.value["hub_country"] == partner
    for day in sorted(pack_dates | {d for d, _ in steps}):
        pack_value = parameter.entry_on(day).value if parameter.has_value_on(day) else None
        pack_in_force = bool(pack_value and pack_value["in_force"])
        assert pack_in_force == _in_force(steps, day), f"{reference} on {day}"
