"""The demo seed (sourced facts, marked illustrative records) and the `partners` and `hubs` commands."""

from __future__ import annotations

import json
import sys
from datetime import date

import pytest
from sqlalchemy import func, select

from returnhub import cli
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.partners import service
from returnhub.partners.changes import verify_changes
from returnhub.partners.models import NegotiationStep
from returnhub.partners.seed import seed_partners

from .helpers import open_pipeline, step


def run(runtime: Runtime, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    cli.set_runtime(runtime)
    old = sys.argv
    sys.argv = ["returnhub", *args]
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
        cli.set_runtime(None)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def seeded(runtime: Runtime) -> Runtime:
    with unit_of_work(runtime.engine) as s:
        result = seed_partners(s, runtime.clock)
    assert result["seeded"] is True
    return runtime


def test_seed_holds_the_sourced_facts_and_marks_the_illustrative_ones(seeded: Runtime) -> None:
    on = date(2026, 6, 1)
    with unit_of_work(seeded.engine, read_only=True) as s:
        albania = service.show_partner(s, "ALB", on)
        rwanda = service.agreement_on(s, "GBR-RWA-MEDP", date(2023, 1, 1))
        rwanda_now = service.agreement_on(s, "GBR-RWA-MEDP", on)
        italy = service.agreement_on(s, "ITA-ALB-PROTOCOL", on)
        uganda = service.agreement_on(s, "NLD-UGA-LOI", on)
        uk = service.agreement_on(s, "GBR-MKD-ILLUSTRATIVE", on)
        terms = {t.agreement: t for t in service.terms_on(s, on)}
        italian_list = service.safe_country_list_on(s, "ITA", on)
        partners = service.list_partners(s, on)
        assert verify_changes(s).ok
        assert seed_partners(s, seeded.clock)["seeded"] is False  # a second seed does nothing
    pipelines = {n.sending_state: n for n in albania.negotiations}
    assert pipelines["GBR"].status == "declined" and pipelines["GBR"].since == date(2025, 5, 15)
    assert "loyal to our marriage with Italy" in pipelines["GBR"].steps[-1].reason
    assert pipelines["ITA"].status == "in_force"
    uk_talks = {p.partner_country: p.status for p in partners if p.sending_state == "GBR"}
    assert {uk_talks[c] for c in ("SRB", "BIH", "XKX")} == {"in_talks"}
    assert rwanda.in_force is True and rwanda_now.pipeline_status == "terminated"
    assert {p.amount for p in rwanda.terms.fixed_payments} >= {"370000000", "20000", "120000000"}
    assert italy.terms.places == 3000 and italy.signed_on == date(2023, 11, 6)
    assert italy.terms.requires_judicial_validation_of_detention is True
    built = {h.reference: sum(h.versions[0].beds.values()) for h in albania.hubs}
    assert (built["ITA-ALB-GJADER"], built["ITA-ALB-GJADER-CPR"], built["ITA-ALB-GJADER-PRISON"]) == (
        880,
        144,
        20,
    )
    assert italian_list is not None and len(italian_list.entries) == 19
    assert "XKX" in {e.country for e in italian_list.entries}
    assert terms["ITA-ALB-PROTOCOL"].nationalities_in_scope == frozenset(
        e.country for e in italian_list.entries
    )
    assert uganda.signed_on == date(2025, 9, 25) and uganda.in_force is False
    # The demo's UK agreement: in force, two operational hubs, and labelled illustrative throughout.
    assert uk.in_force and uk.provenance == "illustrative" and "ILLUSTRATIVE" in uk.title
    assert terms["GBR-MKD-ILLUSTRATIVE"].hubs == ("GBR-MKD-H1", "GBR-MKD-H2")
    assert terms["GBR-RWA-MEDP"].in_force is False
    assert "AFG" in terms["GBR-RWA-MEDP"].unsafe_for_nationalities  # AAA [2023] UKSC 42


def test_partners_list_show_and_hubs_occupancy_json(
    seeded: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(seeded, capsys, "partners", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {"partner_country": "ALB", "sending_state": "GBR", "status": "declined"}.items() <= rows[0].items()
    code, out, _ = run(seeded, capsys, "partners", "show", "north macedonia", "--on", "2026-03-01", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["country"] == "MKD" and shown["on"] == "2026-03-01"
    (agreement,) = shown["agreements"]
    assert agreement["terms"]["version"] == 1 and "IRQ" not in agreement["nationalities_in_scope"]
    assert [h["reference"] for h in shown["hubs"]] == ["GBR-MKD-H1", "GBR-MKD-H2"]
    assert shown["assessments"][0]["unsafe_for_profiles"] == ["lgbt"]
    code, out, _ = run(seeded, capsys, "partners", "show", "MKD", "--on", "2026-04-01", "--json")
    assert "IRQ" in json.loads(out)["agreements"][0]["nationalities_in_scope"]

    code, out, _ = run(seeded, capsys, "hubs", "occupancy", "--on", "2026-01-15", "--json")
    assert code == 0
    hubs = {r["hub"]: r for r in json.loads(out)}
    assert (hubs["GBR-MKD-H1"]["beds"], hubs["GBR-MKD-H1"]["occupied"], hubs["GBR-MKD-H1"]["free"]) == (
        300,
        40,
        260,
    )
    assert (hubs["GBR-MKD-H2"]["status"], hubs["GBR-MKD-H2"]["free"]) == ("planned", 0)
    assert (hubs["ITA-ALB-GJADER-CPR"]["beds"], hubs["ITA-ALB-GJADER-CPR"]["occupied"]) == (96, 25)
    assert hubs["ITA-ALB-SHENGJIN"]["occupancy_known"] is False  # no head count recorded: 0 is "not counted"
    # The Gjadër asylum centre was repurposed as a CPR on 11 April 2025 (issue 13, finding 14).
    assert (hubs["ITA-ALB-GJADER"]["status"], hubs["ITA-ALB-GJADER"]["free"]) == ("closed", 0)


def test_cli_errors_are_one_line_and_write_nothing(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = runtime
    with unit_of_work(runtime.engine) as s:
        open_pipeline(s, runtime.clock, "ALB")
        step(
            s, runtime.clock, "ALB", "declined", date(2025, 5, 15), reason="loyal to our marriage with Italy"
        )

    def steps() -> int:
        with unit_of_work(seeded.engine, read_only=True) as s:
            return int(s.execute(select(func.count()).select_from(NegotiationStep)).scalar_one())

    before = steps()
    code, _, err = run(
        seeded,
        capsys,
        "partners",
        "step",
        "ALB",
        "--sending-state",
        "GBR",
        "--status",
        "in_force",
        "--on",
        "2025-06-01",
        "--source-url",
        "https://example.org",
    )
    assert code == 2 and err.count("\n") == 1
    assert "does not go from declined to in_force" in err
    code, _, err = run(seeded, capsys, "partners", "show", "Narnia")
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    code, _, err = run(seeded, capsys, "hubs", "occupancy", "--on", "yesterday")
    assert code == 2 and "--on must be a date" in err
    assert steps() == before
    code, out, _ = run(
        seeded,
        capsys,
        "partners",
        "step",
        "ALB",
        "--sending-state",
        "GBR",
        "--status",
        "in_talks",
        "--on",
        "2026-05-01",
        "--illustrative",
        "--json",
    )
    assert code == 0 and json.loads(out)["status"] == "in_talks" and steps() == before + 1
    code, out, _ = run(seeded, capsys, "partners", "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
