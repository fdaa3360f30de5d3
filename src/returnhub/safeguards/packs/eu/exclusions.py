"""The research rules the EU pack does not code, each with its reason and its sources: ``returnhub rules
list`` shows them beside the rules."""

from __future__ import annotations

from returnhub.safeguards.packs import common as c
from returnhub.safeguards.packs.eu.rules import SUSPENSIVE
from returnhub.safeguards.rules import Exclusion

NOT_CODED_EU = "not a rule of EU or Italian law in the research"

EXCLUSIONS: tuple[Exclusion, ...] = (
    Exclusion(
        "EU-R5",
        "UK notice of removal (s.10A Immigration and Asylum Act 1999)",
        f"UK statute, {NOT_CODED_EU}; the notice rules of Italian law were not researched, so no notice "
        "period is applied here (UNVERIFIED gap).",
        (
            c.cite(
                "Immigration and Asylum Act 1999, s.10A",
                "https://www.legislation.gov.uk/ukpga/1999/33/section/10A",
            ),
        ),
    ),
    Exclusion(
        "EU-R15",
        "Accelerated border procedure (28 days, Italy-Albania)",
        "It times the asylum decision itself; this pack moves only people with a final return decision "
        "(EU-R1), so a clock on the asylum procedure has nothing left to guard.",
        (
            c.cite(
                "Albania: Italian government's migrant centres ready (28-day procedure)",
                "https://newsfromrss.com/albania-italian-governments-migrant-centres-ready-to-host-first-consignment",
            ),
        ),
    ),
    Exclusion(
        "EU-R18",
        "Suspensive effect of appeals under the draft Return Regulation",
        "The proposal would make suspension no longer automatic; this pack keeps current law, under which "
        "every pending remedy suspends a move (EU-R3), the conservative reading. Coding the narrower "
        "proposal would only ever permit more moves, which a proposal must not do.",
        (SUSPENSIVE,),
    ),
    Exclusion(
        "EU-R19",
        "Mutual recognition of return decisions (European Return Order)",
        "A proposal (reportedly mandatory from 1 July 2027, kept voluntary in a June 2026 deal); the record "
        "holds no other member state's return decisions to recognise.",
        (
            c.cite(
                "New proposal for a regulation establishing a common return system (summary)",
                "https://dev.infinity-dt.com/news/new-proposal-regulation-establishing-common-return-system-has-been-released",
            ),
        ),
    ),
    Exclusion(
        "EU-R20",
        "UK Voluntary Returns Service eligibility",
        f"A UK support scheme, {NOT_CODED_EU}, and a test for support rather than a safeguard on a move.",
        (
            c.cite(
                "Immigration corner: eligibility for voluntary returns (summary of GOV.UK)",
                "https://jamaica-gleaner.com/article/news/20220621/immigration-corner-eligibility-voluntary-returns",
            ),
        ),
    ),
    Exclusion(
        "EU-R21",
        "Obligation to cooperate (draft Return Regulation)",
        "A proposal that sets sanctions on the person (benefit cuts, penalties), not a condition of a lawful "
        "move.",
        (
            c.cite(
                "EU states agree position on new illegal immigration rules (Council position)",
                "https://www.theepochtimes.com/world/eu-states-agree-position-on-new-illegal-immigration-rules-5955705",
            ),
        ),
    ),
)
