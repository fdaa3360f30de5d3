"""The research rules the UK pack does not code (R6, R7, R13, R15-R21), each with its reason and its
sources: ``returnhub rules list`` shows them beside the rules."""

from __future__ import annotations

from returnhub.safeguards.packs import common as c
from returnhub.safeguards.rules import Exclusion

HARDIAL_SINGH = c.cite(
    "Free Movement, What is the adults at risk policy? (no fixed time limit; the Hardial Singh principles)",
    "https://www.freemovement.org.uk/what-is-the-adults-at-risk-policy/",
)
BAIL_REFERRAL = c.cite(
    "Immigration Act 2016, Schedule 10 (immigration bail), paragraph 11",
    "https://legislation.gov.uk/ukpga/2016/19/schedule/10/2023-11-20/data.html",
    "Sch.10 para 11",
    "The Secretary of State must refer a detained person's case to the First-tier Tribunal for a bail "
    "decision four months after detention began (and every four months after); paragraph number "
    "UNVERIFIED in the research.",
)
NOT_UK_LAW = "EU or Italian law that does not bind the United Kingdom"

EXCLUSIONS: tuple[Exclusion, ...] = (
    Exclusion(
        "R6",
        "Italy-Albania exclusions (adult men, not vulnerable, safe country of origin)",
        f"{NOT_UK_LAW}: the eu pack codes them (EU-R6A, EU-R6V, EU-R6S) for Italy's agreements only. UK "
        "agreements state their own exclusions, applied by R14.",
        (
            c.cite(
                "Sky TG24, Albania - Italy begins transferring migrants",
                "https://video.sky.it/news/mondo/video/albania-litalia-inizia-il-trasferimento-dei-migranti-958476/amp",
            ),
        ),
    ),
    Exclusion(
        "R7",
        "EU Return Regulation proposal, Article 17 (return hubs)",
        f"A proposal, not adopted law, and {NOT_UK_LAW}; the eu pack holds it as a proposal. The UK's own "
        "agreement and safety conditions are R12 and R14.",
        (
            c.cite(
                "Proposal for a Return Regulation, COM(2025) 101, art. 17",
                "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:52025PC0101",
                "art. 17",
            ),
        ),
    ),
    Exclusion(
        "R13",
        "Safe-country designations open to judicial review (CJEU Alace and Canpelli)",
        f"{NOT_UK_LAW}; the UK packs use no safe-country-of-origin list to choose who goes to a hub.",
        (
            c.cite(
                "CJEU, Alace and Canpelli (C-758/24 and C-759/24), 1 August 2025",
                "https://agenparl.eu/2025/08/01/press-release-103-25-judgment-of-the-court-in-joined-cases-c-758-24-alace-and-c-759-24-canpelli",
            ),
        ),
    ),
    Exclusion(
        "R15",
        "Accelerated border procedure (28 days, Italy-Albania)",
        f"{NOT_UK_LAW}, and it times the asylum decision itself: UK hubs take only people whose claims are "
        "already finally refused (R1).",
        (
            c.cite(
                "Albania: Italian government's migrant centres ready (28-day procedure)",
                "https://newsfromrss.com/albania-italian-governments-migrant-centres-ready-to-host-first-consignment",
            ),
        ),
    ),
    Exclusion(
        "R16",
        "Maximum length of detention",
        "UK law sets no fixed limit for adults: detention is lawful only for a reasonable period while "
        "removal is in prospect (the Hardial Singh principles), under regular detention reviews "
        "(detention_reviewed events) and with an automatic bail referral to the First-tier Tribunal at four "
        "months (Schedule 10 to the Immigration Act 2016). These decide release from detention, not "
        "whether a move is lawful, so no rule here bars a move on the length of detention.",
        (HARDIAL_SINGH, BAIL_REFERRAL),
    ),
    Exclusion(
        "R17",
        "Judicial validation of detention",
        "UK immigration detention is an administrative power with no judicial validation: a judge decides "
        "only on bail or in judicial review or habeas corpus (R3 bars a move while a judicial review is "
        "pending). Italian law requires validation; the eu pack codes it (EU-R17).",
        (
            BAIL_REFERRAL,
            c.cite(
                "InfoMigrants, monitoring group criticism of Italy's Albanian centres",
                "http://freeb.infomigrants.net/en/post/67858/migration-monitoring-group-renews-criticism-of-italys-albanian-centers",
            ),
        ),
    ),
    Exclusion(
        "R18",
        "Suspensive effect of appeals under the EU proposal",
        f"A proposal and {NOT_UK_LAW}. In the UK a pending appeal suspends removal (s.78 NIAA 2002, R1) and "
        "pending further submissions or judicial review bar a move (R2, R3).",
        (
            c.cite(
                "The EU redefines returns (suspensive effect under the proposal)",
                "https://blogrise.altervista.org/the-european-union-redefines-returns-finding-a-balance-between-efficiency-and-fundamental-rights/",
            ),
        ),
    ),
    Exclusion(
        "R19",
        "Mutual recognition of return decisions (European Return Order)",
        f"A proposal and {NOT_UK_LAW}; the record holds no other state's return decisions.",
        (
            c.cite(
                "New proposal for a regulation establishing a common return system (summary)",
                "https://dev.infinity-dt.com/news/new-proposal-regulation-establishing-common-return-system-has-been-released",
            ),
        ),
    ),
    Exclusion(
        "R20",
        "Voluntary Returns Service eligibility",
        "Who may get voluntary-return support (and up to £3,000) is a test for the support scheme, not a "
        "safeguard on a move to a hub; a voluntary-return application is recorded as an event and read by "
        "operations for onward returns.",
        (
            c.cite(
                "Immigration corner: eligibility for voluntary returns (summary of GOV.UK)",
                "https://jamaica-gleaner.com/article/news/20220621/immigration-corner-eligibility-voluntary-returns",
            ),
        ),
    ),
    Exclusion(
        "R21",
        "Obligation to cooperate (EU proposal)",
        f"A proposal and {NOT_UK_LAW}; it sets sanctions on the person, not a condition of a lawful move.",
        (
            c.cite(
                "EU states agree position on new illegal immigration rules (Council position)",
                "https://www.theepochtimes.com/world/eu-states-agree-position-on-new-illegal-immigration-rules-5955705",
            ),
        ),
    ),
)
