"""The UK pack: return hubs for people whose asylum claims are finally refused (research section 2).

Bars: R1 claim finally refused, R2 further submissions, R3 judicial review or injunction, R4 Rule 39,
R5 notice of intention served after the latest decision and its period over, R5D departure details
served, R9 NRM, R10 children and age disputes (with its exceptions), R12 hub country safe and agreement
in force, R14 agreement scope, FTF unfit to fly. Reviews (a senior caseworker decides): R8 Adults at
Risk, R11 family and Article 8, MED serious medical condition, FTFS a fitness-to-fly assessment out of
date, R12P a risk profile the case record cannot show. Every other rule of the research (R6, R7, R13,
R15-R21) is an exclusion with its reason: ``returnhub rules list`` shows them.
"""

from __future__ import annotations

from pathlib import Path

from returnhub.safeguards.packs.uk.exclusions import EXCLUSIONS
from returnhub.safeguards.packs.uk.rules import DERIVED, OVERRIDES, PACK_START, RULES
from returnhub.safeguards.parameters import ParameterSet
from returnhub.safeguards.rules import RulePack


def build() -> RulePack:
    here = Path(__file__).parent
    return RulePack(
        name="uk",
        title="United Kingdom: return hubs for people whose appeal rights are exhausted",
        version="2026.1",
        valid_from=PACK_START,
        rules=RULES,
        overrides=OVERRIDES,
        exclusions=EXCLUSIONS,
        derived=DERIVED,
        parameters=ParameterSet.load(here),
        sending_states=frozenset({"GBR"}),
        description=__doc__ or "",
        parameter_dir=here,
    )
