"""The engine's contract: clear errors, Catala-style exceptions and conflicts, citations and dates on
everything (the "code health" meta-tests), and dated parameters that change outcomes only from their date."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
import yaml

from returnhub.core.errors import DomainError
from returnhub.partners.agreement_terms import AgreementTerms
from returnhub.safeguards.default_terms import YamlTermsProvider
from returnhub.safeguards.engine import evaluate, facts_fingerprint, make_plan, screen_frame
from returnhub.safeguards.errors import (
    DateOutOfRange,
    NoApplicableRule,
    PackDefinitionError,
    RuleConflict,
    UnknownPack,
    UnknownStage,
)
from returnhub.safeguards.facts import FACTS_SCHEMA
from returnhub.safeguards.packs import get_pack, pack_names
from returnhub.safeguards.packs.common import COMPUTED_TERM_FACTS
from returnhub.safeguards.parameters import Citation, DatedValue, ParameterSet, parse_parameters
from returnhub.safeguards.rules import Kind, Outcome, Override, Rule, RulePack, Stage
from returnhub.safeguards.synthetic import synthetic_facts, synthetic_terms

PACKS = [get_pack(name) for name in pack_names()]
SOURCE = Citation("Test source", "https://example.org/law", "s.1")


# ----------------------------------------------------------------------------------------------------------
# Clear errors
# ----------------------------------------------------------------------------------------------------------


def test_an_unknown_pack_names_the_known_ones() -> None:
    with pytest.raises(UnknownPack, match=r"unknown rule pack 'fr'; known packs: eu, uk"):
        get_pack("fr")
    assert issubclass(UnknownPack, DomainError) and UnknownPack.status == 404


def test_an_unknown_stage_names_the_known_ones() -> None:
    with pytest.raises(
        UnknownStage, match="known stages: hub_referral, manifest_lock, departure, onward_return"
    ):
        make_plan(get_pack("uk"), "boarding", date(2025, 1, 1))
    assert UnknownStage.status == 422


def test_a_date_before_the_pack_is_an_error() -> None:
    with pytest.raises(DateOutOfRange, match="rule pack uk covers dates from 2022-04-14, not 2021-01-01"):
        make_plan(get_pack("uk"), "hub_referral", date(2021, 1, 1))


def test_a_parameter_without_a_value_on_the_date_is_an_error() -> None:
    majority = get_pack("eu").parameters["age.majority"]
    with pytest.raises(DateOutOfRange, match=r"parameter age.majority has no value on 1960-01-01"):
        majority.value_on(date(1960, 1, 1))


def _pack(rules: tuple[Rule, ...], overrides: tuple[Override, ...] = ()) -> RulePack:
    uk = get_pack("uk")
    return RulePack(
        name="test",
        title="test",
        version="0",
        valid_from=date(2020, 1, 1),
        rules=rules,
        overrides=overrides,
        derived=uk.derived,
        parameters=uk.parameters,
        sending_states=frozenset({"GBR"}),
    )


def _rule(rule_id: str = "T1", **changes: object) -> Rule:
    base = Rule(
        id=rule_id,
        title="test rule",
        kind=Kind.BAR,
        citations=(SOURCE,),
        in_force_from=date(2020, 1, 1),
        stages=frozenset({Stage.HUB_REFERRAL}),
        facts=("appeal_pending",),
        fails=lambda ctx: pl.col("appeal_pending"),
        reason_fails="appeal pending",
        reason_passes="no appeal pending",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _facts(**values: object) -> pl.DataFrame:
    row = {"reference": "RH1", "date_of_birth": date(1990, 1, 1), "sex": "M", "nationality": "ERI", **values}
    return pl.DataFrame([row]).with_columns(pl.col("date_of_birth").cast(pl.Date))


def test_a_stage_with_no_rule_in_force_is_an_error() -> None:
    pack = _pack((_rule(in_force_from=date(2030, 1, 1)),))
    with pytest.raises(
        NoApplicableRule, match="no rule of pack test guards stage hub_referral on 2025-01-01"
    ):
        make_plan(pack, "hub_referral", date(2025, 1, 1))
    with pytest.raises(NoApplicableRule, match="stage departure"):
        make_plan(_pack((_rule(),)), "departure", date(2025, 1, 1))


def test_two_rules_with_one_id_are_a_conflict() -> None:
    with pytest.raises(RuleConflict, match="share the id 'T1'"):
        _pack((_rule(), _rule()))


def test_a_rule_without_a_citation_is_refused() -> None:
    with pytest.raises(PackDefinitionError, match="T1 has no citation"):
        _pack((_rule(citations=()),))


def test_an_undecidable_predicate_counts_against_the_person() -> None:
    pack = _pack((_rule(fails=lambda ctx: pl.lit(None, dtype=pl.Boolean)),))
    result = screen_frame(_facts(), pack=pack, stage="hub_referral", as_of=date(2025, 1, 1))
    assert result.get_column("T1").to_list() == ["bar"]
    assert result.get_column("outcome").to_list() == ["barred"]


# ----------------------------------------------------------------------------------------------------------
# Exceptions (Catala): priority decides; equal priorities that disagree are a conflict
# ----------------------------------------------------------------------------------------------------------


def _override(oid: str, priority: int, outcome: Outcome, when_column: str) -> Override:
    return Override(
        id=oid,
        rule="T1",
        title=oid,
        priority=priority,
        outcome=outcome,
        when=lambda ctx: pl.col(when_column),
        citations=(SOURCE,),
        in_force_from=date(2020, 1, 1),
        reason=oid,
    )


def test_the_higher_priority_exception_decides() -> None:
    pack = _pack(
        (_rule(),),
        (
            _override("T1.lower", 1, Outcome.PASS, "injunction_in_force"),
            _override("T1.higher", 2, Outcome.BAR, "judicial_review_pending"),
        ),
    )
    facts = pl.concat(
        [
            _facts(appeal_pending=True, injunction_in_force=True, judicial_review_pending=False),
            _facts(appeal_pending=False, injunction_in_force=True, judicial_review_pending=True),
            _facts(appeal_pending=True, injunction_in_force=False, judicial_review_pending=False),
        ]
    )
    result = screen_frame(facts, pack=pack, stage="hub_referral", as_of=date(2025, 1, 1))
    assert result.get_column("T1").to_list() == ["pass", "bar", "bar"]


def test_equal_priority_exceptions_that_disagree_are_a_conflict_only_when_both_apply() -> None:
    pack = _pack(
        (_rule(),),
        (
            _override("T1.a", 1, Outcome.PASS, "injunction_in_force"),
            _override("T1.b", 1, Outcome.BAR, "judicial_review_pending"),
        ),
    )
    apart = pl.concat(
        [
            _facts(appeal_pending=True, injunction_in_force=True, judicial_review_pending=False),
            _facts(appeal_pending=False, injunction_in_force=False, judicial_review_pending=True),
        ]
    )
    assert screen_frame(apart, pack=pack, stage="hub_referral", as_of=date(2025, 1, 1)).get_column(
        "T1"
    ).to_list() == ["pass", "bar"]
    both = _facts(
        reference="RH9", appeal_pending=True, injunction_in_force=True, judicial_review_pending=True
    )
    with pytest.raises(RuleConflict, match=r"T1.a \(pass\) and T1.b \(bar\).*same priority 1.*case RH9"):
        screen_frame(both, pack=pack, stage="hub_referral", as_of=date(2025, 1, 1))


def test_an_exception_not_yet_in_force_does_not_apply() -> None:
    later = replace(_override("T1.later", 1, Outcome.PASS, "appeal_pending"), in_force_from=date(2026, 1, 1))
    pack = _pack((_rule(),), (later,))
    facts = _facts(appeal_pending=True)
    assert screen_frame(facts, pack=pack, stage="hub_referral", as_of=date(2025, 12, 31))["T1"].to_list() == [
        "bar"
    ]
    assert screen_frame(facts, pack=pack, stage="hub_referral", as_of=date(2026, 1, 1))["T1"].to_list() == [
        "pass"
    ]


# ----------------------------------------------------------------------------------------------------------
# Code health: citations and dates on every rule, exception and parameter; every stage guarded
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_every_rule_and_exception_has_a_citation_and_dates(pack: RulePack) -> None:
    for item in (*pack.rules, *pack.overrides):
        assert item.citations, item.id
        for c in item.citations:
            assert c.title.strip() and c.href.startswith(("http://", "https://")), (item.id, c)
        assert item.in_force_from >= date(1900, 1, 1)
        assert item.in_force_to is None or item.in_force_to >= item.in_force_from
    for rule in pack.rules:
        assert rule.stages, rule.id
        assert rule.reason_fails and rule.reason_passes, rule.id


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_every_parameter_value_has_a_citation_and_a_date(pack: RulePack) -> None:
    assert len(pack.parameters) >= 5
    for parameter in pack.parameters:
        assert parameter.description
        for value in parameter.values:
            assert isinstance(value.start, date)
            assert value.citation.title and value.citation.href.startswith(("http://", "https://"))


def test_unverified_research_points_are_marked_in_their_citations() -> None:
    unverified = {
        "uk": [
            "adults_at_risk.review_level",
            "removal_notice.working_days",
            "nrm.reconsideration_window_days",
        ],
        "eu": ["eu.return_hubs.exclude_families_with_minors", "it.detention.validation_window_days"],
    }
    for pack_name, names in unverified.items():
        parameters = get_pack(pack_name).parameters
        for name in names:
            notes = " ".join(v.citation.note or "" for v in parameters[name].values)
            assert "UNVERIFIED" in notes, name


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
@pytest.mark.parametrize("stage", list(Stage))
def test_no_stage_is_left_without_rules(pack: RulePack, stage: Stage) -> None:
    for on in (pack.valid_from, pack.valid_from + timedelta(days=700), date(2026, 6, 1)):
        plan = make_plan(pack, stage, on, YamlTermsProvider(pack.parameters).terms_on(on))
        assert any(r.in_force_on(on) for r in plan.rules)
        # Every parameter a rule reads exists on the dates the pack covers.
        evaluate(synthetic_facts(5, as_of=on), plan)


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_rules_read_only_known_facts(pack: RulePack) -> None:
    known = set(FACTS_SCHEMA) | {d.name for d in pack.derived}
    term_attributes = set(AgreementTerms.__dataclass_fields__) | set(COMPUTED_TERM_FACTS)
    for rule in pack.rules:
        assert set(rule.facts) <= known, (rule.id, set(rule.facts) - known)
        assert set(rule.term_facts) <= term_attributes, rule.id
    for override in pack.overrides:
        assert set(override.facts) <= known, override.id


def test_the_uk_pack_has_the_rules_the_design_lists() -> None:
    uk = {r.id: r for r in get_pack("uk").rules}
    for rule_id in ("R1", "R2", "R3", "R4", "R5", "R5D", "R9", "R10", "R12", "R14", "FTF"):
        assert uk[rule_id].kind is Kind.BAR
    for rule_id in ("R8", "R11", "MED", "FTFS", "R12P"):
        assert uk[rule_id].kind is Kind.REVIEW
    # The UK has no judicial validation of immigration detention: R17 is a reasoned exclusion.
    assert "R17" not in uk and "R17" in {x.id for x in get_pack("uk").exclusions}
    eu = {r.id for r in get_pack("eu").rules}
    assert {"EU-R1", "EU-R6A", "EU-R6V", "EU-R6S", "EU-R7", "EU-R7M", "EU-R7F", "EU-R17"} <= eu


def test_the_safe_country_list_is_not_kept_in_the_pack() -> None:
    # One source of truth: EU-R6S reads the partners register's list through the agreement terms.
    names = {p.name for p in get_pack("eu").parameters}
    assert not any("safe_countries" in name for name in names)
    assert "safe_countries_of_origin" in get_pack("eu").rule("EU-R6S").term_facts


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_every_researched_rule_is_coded_or_excluded_with_a_reason(pack: RulePack) -> None:
    coverage = pack.research_coverage()
    assert [row["research"] for row in coverage] == [f"R{n}" for n in range(1, 22)]
    for row in coverage:
        assert row["rules"] or row["exclusions"], (pack.name, row["research"])
    for exclusion in pack.exclusions:
        assert exclusion.reason and exclusion.citations, exclusion.id
        assert exclusion.citations[0].href.startswith("https://") or exclusion.citations[0].href.startswith(
            "http://"
        )


def test_proposals_and_scoped_rules_are_marked() -> None:
    eu = get_pack("eu")
    assert {r.id for r in eu.rules if r.is_proposal} == {"EU-R7M", "EU-R7F"}
    assert {r.id for r in eu.rules if r.law_of == frozenset({"ITA"})} == {
        "EU-R6A",
        "EU-R6V",
        "EU-R6S",
        "EU-R16",
    }
    assert not [r.id for r in get_pack("uk").rules if r.is_proposal]


# ----------------------------------------------------------------------------------------------------------
# Dated parameters change outcomes only from their date
# ----------------------------------------------------------------------------------------------------------

BEFORE = date(2026, 6, 1)


def _screen(pack: RulePack, facts: pl.DataFrame, on: date, stage: str = "departure") -> pl.DataFrame:
    return screen_frame(facts, pack=pack, stage=stage, as_of=on, terms=synthetic_terms(on))


def test_a_new_age_of_majority_changes_outcomes_only_from_its_date() -> None:
    uk = get_pack("uk")
    change = date(2026, 7, 1)
    changed = uk.with_parameter_value("age.majority", DatedValue(change, 21, SOURCE))
    facts = synthetic_facts(5_000, as_of=BEFORE, seed=3)
    for on in (BEFORE, change - timedelta(days=1)):
        assert _screen(changed, facts, on).equals(_screen(uk, facts, on)), on
    after_old, after_new = _screen(uk, facts, change), _screen(changed, facts, change)
    differs = after_old.get_column("R10") != after_new.get_column("R10")
    assert differs.sum() > 0
    # Only people aged 18 to 20 on that date are affected, and only towards a bar.
    assert set(after_new.filter(differs).get_column("R10").to_list()) == {"bar"}


def test_a_new_notice_period_applies_to_notices_served_from_its_date() -> None:
    uk = get_pack("uk")
    change = date(2026, 7, 1)
    changed = uk.with_parameter_value("removal_notice.working_days", DatedValue(change, 15, SOURCE))
    old_notices = synthetic_facts(3_000, as_of=BEFORE, seed=4)
    for on in (change - timedelta(days=1), change, change + timedelta(days=10)):
        assert _screen(changed, old_notices, on).equals(_screen(uk, old_notices, on)), on
    served_on_change = old_notices.with_columns(pl.lit(change).alias("removal_notice_served_on"))
    on = change + timedelta(days=10)
    assert set(_screen(uk, served_on_change, on).get_column("R5").to_list()) == {"pass"}
    assert set(_screen(changed, served_on_change, on).get_column("R5").to_list()) == {"bar"}


def test_parameter_files_refuse_values_without_citations(tmp_path: Path) -> None:
    bad = {"x.y": {"description": "d", "values": [{"from": date(2020, 1, 1), "value": 1}]}}
    with pytest.raises(PackDefinitionError, match="citation must be a mapping"):
        list(parse_parameters(bad, "bad.yaml"))
    unordered = {
        "x.y": {
            "description": "d",
            "values": [
                {"from": date(2021, 1, 1), "value": 1, "citation": {"title": "t", "href": "https://e.org"}},
                {"from": date(2020, 1, 1), "value": 2, "citation": {"title": "t", "href": "https://e.org"}},
            ],
        }
    }
    with pytest.raises(PackDefinitionError, match="date order"):
        list(parse_parameters(unordered, "bad.yaml"))
    (tmp_path / "p.yaml").write_text(yaml.safe_dump({"a.b": bad["x.y"]}))
    with pytest.raises(PackDefinitionError):
        ParameterSet.load(tmp_path)


def test_piecewise_parameters_follow_the_key_date() -> None:
    recovery = get_pack("uk").parameters["nrm.recovery_period_days"]
    keys = pl.DataFrame(
        {"d": [date(2009, 3, 31), date(2009, 4, 1), date(2023, 1, 29), date(2023, 1, 30), None]}
    )
    assert keys.select(recovery.by_date(pl.col("d"))).to_series().to_list() == [None, 45, 45, 30, None]


# ----------------------------------------------------------------------------------------------------------
# Fingerprints and pack versions
# ----------------------------------------------------------------------------------------------------------


def test_fingerprints_are_canonical() -> None:
    a = facts_fingerprint("R8", {"adults_at_risk_level": 2, "adults_at_risk_assessed_on": date(2025, 1, 5)})
    b = facts_fingerprint("R8", {"adults_at_risk_assessed_on": date(2025, 1, 5), "adults_at_risk_level": 2})
    assert a == b and a.startswith("v1:") and len(a) == 67
    assert a != facts_fingerprint(
        "R8", {"adults_at_risk_level": 3, "adults_at_risk_assessed_on": date(2025, 1, 5)}
    )
    assert a != facts_fingerprint(
        "R11", {"adults_at_risk_level": 2, "adults_at_risk_assessed_on": date(2025, 1, 5)}
    )
    assert facts_fingerprint("X", {"s": frozenset({"b", "a"})}) == facts_fingerprint("X", {"s": ("a", "b")})


def test_the_pack_version_changes_with_any_parameter_value() -> None:
    uk = get_pack("uk")
    changed = uk.with_parameter_value("removal_notice.working_days", DatedValue(date(2027, 1, 1), 6, SOURCE))
    assert uk.full_version.startswith("uk-") and changed.full_version != uk.full_version


def test_default_terms_are_dated_with_their_sources() -> None:
    uk = YamlTermsProvider(get_pack("uk").parameters)
    rwanda = {t.agreement: t for t in uk.terms_on(date(2023, 1, 10))}["UK-RWA"]
    assert rwanda.in_force and not rwanda.unsafe_for_nationalities and rwanda.sources
    assert {t.agreement: t for t in uk.terms_on(date(2024, 1, 10))}["UK-RWA"].unsafe_for_nationalities == {
        "*"
    }
    assert not any(t.in_force for t in uk.terms_on(date(2026, 1, 1)))
    eu = {t.agreement: t for t in YamlTermsProvider(get_pack("eu").parameters).terms_on(date(2025, 5, 1))}
    assert eu["ITA-ALB"].requires_judicial_validation_of_detention and eu["ITA-ALB"].sending_state == "ITA"


def test_the_working_day_kernel_agrees_with_polars() -> None:
    from returnhub.safeguards.packs.common import working_days_after

    holidays = list(get_pack("uk").parameters["calendar.bank_holidays"].value_on(date(2026, 1, 1)))
    days = pl.Series("d", [date(2022, 1, 1) + timedelta(days=i) for i in range(0, 2000, 3)] + [None])
    for n in (0, 1, 5, 10):
        ours = working_days_after(n, holidays)(days)
        theirs = days.dt.add_business_days(n, holidays=holidays, roll="backward")
        assert ours.to_list() == theirs.to_list(), n
