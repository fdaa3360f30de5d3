"""The EU pack: the Italy-Albania protocol under Italian law, and the draft Return Regulation as proposals.

Law: a final return decision, no remedy pending, no Rule 39 measure, an agreement in force with a hub
country assessed safe (non-refoulement), within the agreement's scope; for Italy's agreements only
(``law_of``): adult men, not vulnerable on the EU vulnerability assessment, nationals of a country on
Italy's safe-country list in the partners register, detention within Italy's maximum and validated by a
judge within 48 hours. Proposals (status ``proposal``, never deciding a move): the draft Return
Regulation's monitoring mechanism (EU-R7M) and exclusion of families with children (EU-R7F), COM(2025)
101, March 2025. Research rules the pack does not code are exclusions with their reasons.
"""

from __future__ import annotations

from pathlib import Path

from returnhub.safeguards.packs.eu.exclusions import EXCLUSIONS
from returnhub.safeguards.packs.eu.rules import DERIVED, PACK_START, RULES
from returnhub.safeguards.parameters import ParameterSet
from returnhub.safeguards.rules import RulePack


def build() -> RulePack:
    here = Path(__file__).parent
    return RulePack(
        name="eu",
        title="EU: return hubs under the draft Return Regulation and the Italy-Albania protocol",
        version="2026.1",
        valid_from=PACK_START,
        rules=RULES,
        exclusions=EXCLUSIONS,
        derived=DERIVED,
        parameters=ParameterSet.load(here),
        sending_states=frozenset(
            {
                "AUT",
                "BEL",
                "BGR",
                "HRV",
                "CYP",
                "CZE",
                "DNK",
                "EST",
                "FIN",
                "FRA",
                "DEU",
                "GRC",
                "HUN",
                "IRL",
                "ITA",
                "LVA",
                "LTU",
                "LUX",
                "MLT",
                "NLD",
                "POL",
                "PRT",
                "ROU",
                "SVK",
                "SVN",
                "ESP",
                "SWE",
            }
        ),
        description=__doc__ or "",
        parameter_dir=here,
    )
