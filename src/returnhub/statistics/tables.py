"""The published tables: Home Office and Eurostat shapes and the scheme's own, counted per event.

Unlike ``service`` (one row per person, by their latest facts), every table here counts events, as the
published series do: a person removed twice counts twice. A table covers the events whose legal date
(``occurred_on``) falls in ``[start, end]``, as the record stood at the end of ``as_at`` (UTC): events
recorded later, and retractions recorded later, are left out, so a past quarter produced again "as at"
its publication day gives the same answer after later corrections (the bitemporal record, DESIGN.md 4).

One query path: ``_events`` reads the events of the table's types with the person's nationality, sex,
date of birth and family unit, the retracted ones dropped (casework's ``queries.standing_events``: one SQL
select over the ``(event_type, occurred_on)`` index, column-wise), and each table is a Polars aggregation
over that frame. Operations' transfers and gate checks are read through ``operations.counts``.

Column names, codes and conventions follow domain-research.md section 4 (Home Office) and section 1.4
(Eurostat: Regulation (EC) 862/2007 as amended by (EU) 2020/851).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from returnhub.casework import queries
from returnhub.core.errors import InvalidInput, NotFound
from returnhub.operations import counts
from returnhub.statistics.views import TableEntry

#: The Home Office's suppression mark for a value not shown (workbook conventions, research section 4).
SUPPRESSED = ":"

HOME_OFFICE = "Home Office, Immigration system statistics data tables (https://www.gov.uk/government/statistical-data-sets/returns-and-detention-datasets)"
HOME_OFFICE_ASYLUM = "Home Office, Asylum and resettlement datasets (https://www.gov.uk/government/statistical-data-sets/asylum-and-resettlement-datasets)"
HOME_OFFICE_IRREGULAR = "Home Office, Irregular migration detailed dataset (https://www.gov.uk/government/statistical-data-sets/irregular-migration-detailed-dataset-and-summary-tables)"
EUROSTAT = "Eurostat, Regulation (EC) 862/2007 Articles 5 and 7, as amended by Regulation (EU) 2020/851 (https://dd.eionet.europa.eu/vocabulary/eurostat/return/view)"
SCHEME = "returnhub: the scheme's own operational figures"

#: The Home Office's "Region" is the world region of the nationality. The groupings below are the Home
#: Office's region names for the nationalities the scheme sees most; any other nationality is "Other".
WORLD_REGION = {
    **dict.fromkeys(["AFG", "PAK", "IND", "BGD", "LKA", "NPL"], "Asia South"),
    **dict.fromkeys(["VNM", "CHN", "MMR", "THA", "PHL", "IDN", "MYS"], "Asia South East"),
    **dict.fromkeys(["IRN", "IRQ", "SYR", "KWT", "YEM", "LBN", "JOR", "PSE", "SAU"], "Middle East"),
    **dict.fromkeys(
        ["ERI", "SDN", "ETH", "SOM", "NGA", "GHA", "SSD", "GMB", "CMR", "UGA", "KEN"], "Africa Sub-Saharan"
    ),
    **dict.fromkeys(["EGY", "LBY", "TUN", "DZA", "MAR"], "Africa North"),
    **dict.fromkeys(
        ["ALB", "TUR", "GEO", "UKR", "RUS", "SRB", "MKD", "BIH", "XKX", "MNE", "MDA"], "Europe Other"
    ),
}
EU_MEMBERS = frozenset(
    "AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD POL PRT ROU SVK SVN "
    "ESP SWE".split()
)


#: The longest period a table may cover (about 50 years).
MAX_PERIOD_DAYS = 50 * 365 + 12


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    #: The record as it stood at the end of this day (UTC); ``None``: everything recorded so far.
    as_at: date | None = None
    #: Internal reads may span more than a table may (a request followed to the end of the record).
    unbounded: bool = False

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput(
                f"the period ends ({self.end:%d %B %Y}) before it starts ({self.start:%d %B %Y})"
            )
        # The weekly tables walk the period week by week; a century of weeks is no statistics request.
        if not self.unbounded and (self.end - self.start).days > MAX_PERIOD_DAYS:
            raise InvalidInput(
                f"a table covers at most {MAX_PERIOD_DAYS // 365} years; ask for a shorter period"
            )
        if (
            self.start.year < 1900
            or self.end.year > 2999
            or (self.as_at is not None and self.as_at.year > 2999)
        ):
            raise InvalidInput("the period and the 'as at' day must lie between the years 1900 and 2999")

    @property
    def known_at(self) -> datetime | None:
        if self.as_at is None:
            return None
        return datetime.combine(self.as_at + timedelta(days=1), time.min, tzinfo=UTC) - timedelta(
            microseconds=1
        )


# --- the one read ---------------------------------------------------------------------------------


def _events(
    session: Session,
    types: Sequence[str],
    period: Period,
    fields: Sequence[str] = (),
    *,
    since: date | None = None,
) -> pl.DataFrame:
    """Events of ``types`` with legal date in ``[since or period.start, period.end]``, as known at the
    period's ``as_at`` and not retracted by then: one row per event, with the person's facts and
    ``fields`` of the payload (casework's ``standing_events``)."""
    lo = period.start if since is None else since
    return queries.standing_events(session, types, lo, period.end, known_at=period.known_at, fields=fields)


# --- shared dimensions ----------------------------------------------------------------------------


def _names() -> Callable[[str], str]:
    from returnhub.partners.countries import country_name

    return country_name


def _with_time(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("occurred_on").dt.year().alias("Year"),
        (
            pl.col("occurred_on").dt.year().cast(pl.String)
            + pl.lit(" Q")
            + pl.col("occurred_on").dt.quarter().cast(pl.String)
        ).alias("Quarter"),
    )


def _age_years(frame: pl.DataFrame) -> pl.Expr:
    # Whole years on the day of the event.
    return (
        pl.col("occurred_on").dt.year()
        - pl.col("date_of_birth").dt.year()
        - (
            (pl.col("occurred_on").dt.month() * 100 + pl.col("occurred_on").dt.day())
            < (pl.col("date_of_birth").dt.month() * 100 + pl.col("date_of_birth").dt.day())
        ).cast(pl.Int32)
    )


def _with_person(frame: pl.DataFrame) -> pl.DataFrame:
    name = _names()
    age = _age_years(frame)
    return frame.with_columns(
        pl.col("nationality")
        .replace_strict({c: name(c) for c in frame["nationality"].unique().to_list()}, default="Unknown")
        .alias("Nationality"),
        pl.col("nationality").replace_strict(WORLD_REGION, default="Other").alias("Region"),
        pl.col("sex").replace_strict({"M": "Male", "F": "Female"}, default="Other or not known").alias("Sex"),
        pl.when(age < 18)
        .then(pl.lit("Under 18"))
        .when(age < 30)
        .then(pl.lit("18-29"))
        .when(age < 50)
        .then(pl.lit("30-49"))
        .when(age < 70)
        .then(pl.lit("50-69"))
        .otherwise(pl.lit("70+"))
        .alias("Age"),
        pl.when(age < 18)
        .then(pl.when(pl.col("family_unit_id").is_null()).then(pl.lit("UASC")).otherwise(pl.lit("Not UASC")))
        .otherwise(pl.lit("N/A - Adult"))
        .alias("UASC"),
    )


def _count(frame: pl.DataFrame, by: list[str], name: str) -> pl.DataFrame:
    if frame.height == 0:
        return pl.DataFrame(schema={**{c: frame.schema.get(c, pl.String) for c in by}, name: pl.Int64})
    return frame.group_by(by).agg(pl.len().cast(pl.Int64).alias(name)).sort(by)


# --- Home Office ----------------------------------------------------------------------------------

RETURN_EVENTS = ("enforced_removal", "voluntary_departure", "port_return")
RETURN_TYPE_GROUP = {
    "enforced_removal": "Enforced return",
    "voluntary_departure": "Voluntary return",
    "port_return": "Refused entry at port and subsequently departed",
}


def _returns(session: Session, period: Period) -> pl.DataFrame:
    frame = _events(session, RETURN_EVENTS, period, ("destination", "method", "reintegration_support_gbp"))
    frame = _with_person(_with_time(frame))
    name = _names()
    return frame.with_columns(
        pl.col("event_type").replace_strict(RETURN_TYPE_GROUP).alias("Return type group"),
        pl.when(pl.col("event_type") == "enforced_removal")
        .then(
            pl.when(pl.col("method") == "charter_flight")
            .then(pl.lit("Enforced return - charter flight"))
            .otherwise(pl.lit("Enforced return - scheduled flight or other"))
        )
        .when(pl.col("event_type") == "voluntary_departure")
        .then(
            pl.when(pl.col("reintegration_support_gbp").cast(pl.Int64, strict=False).fill_null(0) > 0)
            .then(pl.lit("Assisted return"))
            .otherwise(pl.lit("Other verified return"))
        )
        .otherwise(pl.lit("Refused entry at port and subsequently departed"))
        .alias("Return type"),
        pl.when(pl.col("destination") == pl.col("nationality"))
        .then(pl.lit("Home country"))
        .when(pl.col("destination").is_in(list(EU_MEMBERS)))
        .then(pl.lit("EU"))
        .otherwise(pl.lit("Other"))
        .alias("Return destination group"),
        pl.col("destination")
        .replace_strict(
            {c: name(c) for c in frame["destination"].unique().drop_nulls().to_list()}, default="Unknown"
        )
        .alias("Return destination"),
        pl.col("destination")
        .replace_strict(WORLD_REGION, default="Other")
        .alias("Return destination region"),
    )


def ret_d01(session: Session, period: Period) -> pl.DataFrame:
    by = [
        "Year",
        "Quarter",
        "Nationality",
        "Region",
        "Return type group",
        "Return type",
        "Age",
        "Sex",
        "Return destination group",
    ]
    return _count(_returns(session, period), by, "Number of returns")


def ret_d02(session: Session, period: Period) -> pl.DataFrame:
    by = [
        "Year",
        "Quarter",
        "Return type group",
        "Return type",
        "Return destination",
        "Return destination region",
    ]
    return _count(_returns(session, period), by, "Number of returns")


METHOD_OF_ENTRY = {
    "small_boat": "Small boat arrivals",
    # People rescued in the Channel are counted among the small boat arrivals in the published series.
    "rescued_at_sea": "Small boat arrivals",
    "air": "Inadequately documented air arrivals",
    "lorry": "Recorded detections at UK ports",
    "other": "Recorded detections in the UK",
}


def irr_d01(session: Session, period: Period) -> pl.DataFrame:
    frame = _with_person(_with_time(_events(session, ("arrival",), period, ("route",))))
    frame = frame.with_columns(
        pl.col("route")
        .replace_strict(METHOD_OF_ENTRY, default="Recorded detections in the UK")
        .alias("Method of entry"),
        pl.col("Age").alias("Age Group"),
    )
    return _count(
        frame,
        ["Year", "Quarter", "Method of entry", "Nationality", "Region", "Sex", "Age Group"],
        "Number of detections",
    )


def asy_d01(session: Session, period: Period) -> pl.DataFrame:
    claims = _events(session, ("asylum_claim_lodged",), period)
    # Where the claim was made: on a day the person arrived, at the port; otherwise in country. Such an
    # arrival falls in the period too, so only the period's arrivals are read.
    arrivals = (
        _events(session, ("arrival",), period)
        .select("case_id", "occurred_on")
        .unique()
        .with_columns(pl.lit(True).alias("at_port"))
    )
    frame = _with_person(_with_time(claims.join(arrivals, on=["case_id", "occurred_on"], how="left")))
    frame = frame.with_columns(
        pl.lit("Main applicant").alias("Applicant type"),
        pl.when(pl.col("at_port").fill_null(False))
        .then(pl.lit("At Port"))
        .otherwise(pl.lit("In Country"))
        .alias("Location of application"),
    )
    by = [
        "Year",
        "Quarter",
        "Nationality",
        "Region",
        "Age",
        "Sex",
        "Applicant type",
        "UASC",
        "Location of application",
    ]
    return _count(frame, by, "Applications")


CASE_OUTCOME = {
    "grant": ("Grant of Protection", "Asylum"),
    "refuse": ("Refused", "Refused asylum"),
    "certified": ("Refused", "Refused - certified as clearly unfounded or third country"),
    "withdrawn": ("Withdrawn", "Withdrawn application"),
}


def asy_d02(session: Session, period: Period) -> pl.DataFrame:
    frame = _with_person(_with_time(_events(session, ("asylum_claim_decided",), period, ("outcome",))))
    frame = frame.with_columns(
        pl.lit("Asylum Case").alias("Case type"),
        pl.col("outcome")
        .replace_strict({k: v[0] for k, v in CASE_OUTCOME.items()}, default="Administrative Outcome")
        .alias("Case outcome group"),
        pl.col("outcome")
        .replace_strict({k: v[1] for k, v in CASE_OUTCOME.items()}, default="Administrative outcome")
        .alias("Case outcome"),
        pl.lit("Main applicant").alias("Applicant type"),
        # Host Country is filled for resettlement cases only; this record holds asylum cases.
        pl.lit("N/A - Asylum case").alias("Host Country"),
    )
    by = [
        "Year",
        "Quarter",
        "Nationality",
        "Region",
        "Case type",
        "Case outcome group",
        "Case outcome",
        "Age",
        "Sex",
        "Applicant type",
        "UASC",
        "Host Country",
    ]
    return _count(frame, by, "Decisions")


def det_d01(session: Session, period: Period) -> pl.DataFrame:
    frame = _with_person(_with_time(_events(session, ("detained",), period, ("place",))))
    frame = frame.with_columns(pl.col("place").fill_null("Not recorded").alias("First place of detention"))
    return _count(
        frame,
        ["Year", "Quarter", "Nationality", "Region", "Sex", "Age", "First place of detention"],
        "Entering",
    )


# --- Eurostat -------------------------------------------------------------------------------------

#: An order to leave (a return decision): the notice of intention to remove and a deportation order.
ORDER_EVENTS = ("removal_notice_served", "deportation_order_made")
#: Returned following an order to leave. A port return follows a refusal of entry, not an order to leave, so
#: it is not here. A transfer to a hub (``departed``) is a return to another third country (code THRD): the
#: person leaves the sending state for a country that is neither theirs nor the sending state, which is what
#: THRD means; the later onward return from the hub is the partner country's return, not counted again here.
EUROSTAT_RETURN_EVENTS = ("enforced_removal", "voluntary_departure", "departed")


def _eurostat_frame(frame: pl.DataFrame, *, quarterly: bool) -> pl.DataFrame:
    import pycountry

    alpha2 = {c.alpha_3: c.alpha_2 for c in pycountry.countries}
    alpha2["XKX"] = "XK"
    age = _age_years(frame)
    period = (
        pl.col("occurred_on").dt.year().cast(pl.String)
        + pl.lit("-Q")
        + pl.col("occurred_on").dt.quarter().cast(pl.String)
        if quarterly
        else pl.col("occurred_on").dt.year().cast(pl.String)
    )
    return frame.with_columns(
        pl.lit("Q" if quarterly else "A").alias("freq"),
        pl.col("nationality").replace_strict(alpha2, default="UNK").alias("citizen"),
        pl.when(age < 14)
        .then(pl.lit("Y_LT14"))
        .when(age < 18)
        .then(pl.lit("Y14-17"))
        .when(age < 35)
        .then(pl.lit("Y18-34"))
        .otherwise(pl.lit("Y_GE35"))
        .alias("age"),
        pl.col("sex").replace_strict({"M": "M", "F": "F"}, default="UNK").alias("sex"),
        pl.lit("PER").alias("unit"),
        pl.lit("UK").alias("geo"),
        period.alias("TIME_PERIOD"),
    )


def migr_eiord(session: Session, period: Period) -> pl.DataFrame:
    frame = _eurostat_frame(_events(session, ORDER_EVENTS, period), quarterly=False)
    return _count(frame, ["freq", "citizen", "age", "sex", "unit", "geo", "TIME_PERIOD"], "OBS_VALUE")


def migr_eirtn(session: Session, period: Period) -> pl.DataFrame:
    frame = _eurostat_frame(_events(session, EUROSTAT_RETURN_EVENTS, period), quarterly=False)
    return _count(frame, ["freq", "citizen", "age", "sex", "unit", "geo", "TIME_PERIOD"], "OBS_VALUE")


def eurostat_returns_quarterly(session: Session, period: Period) -> pl.DataFrame:
    frame = _events(session, EUROSTAT_RETURN_EVENTS, period, ("destination",))
    frame = _eurostat_frame(frame, quarterly=True).with_columns(
        pl.col("event_type")
        .replace_strict({"enforced_removal": "FORC", "voluntary_departure": "VOLU", "departed": "FORC"})
        .alias("return"),
        pl.when(pl.col("event_type") == "departed")
        .then(pl.lit("THRD"))
        .when(pl.col("destination") == pl.col("nationality"))
        .then(pl.lit("COUNTRY_OF_ORIGIN"))
        .otherwise(pl.lit("THRD"))
        .alias("c_dest"),
    )
    return _count(frame, ["freq", "citizen", "return", "c_dest", "unit", "geo", "TIME_PERIOD"], "OBS_VALUE")


# --- the scheme's own -----------------------------------------------------------------------------

#: How long a country has to answer a travel-document request before it counts as not cooperating. The
#: scheme's own target: the research file gives no published UK service level (section 1.5, F4).
ETD_SERVICE_LEVEL_DAYS = 30


def _stays(session: Session, period: Period) -> pl.DataFrame:
    """Every hub stay begun by the end of the period: its hub, arrival and (first later) exit, if any."""
    frame = _events(session, ("arrived_at_hub", "hub_exit"), period, ("hub",), since=date(1900, 1, 1))
    arrivals = frame.filter(pl.col("event_type") == "arrived_at_hub").sort("occurred_on", "sequence")
    exits = frame.filter(pl.col("event_type") == "hub_exit").select("case_id", "occurred_on", "sequence")
    if arrivals.height == 0:
        return pl.DataFrame(
            schema={"case_id": pl.Int64, "hub": pl.String, "arrived_on": pl.Date, "exited_on": pl.Date}
        )
    return arrivals.select("case_id", "hub", pl.col("occurred_on").alias("arrived_on"), "sequence").join_asof(
        exits.sort("occurred_on").rename({"occurred_on": "exited_on", "sequence": "exit_sequence"}),
        left_on="arrived_on",
        right_on="exited_on",
        by="case_id",
        strategy="forward",
        check_sortedness=False,  # sorted by date above; Polars cannot check within groups
    )


def hub_occupancy_weekly(session: Session, period: Period) -> pl.DataFrame:
    """People in each hub at the end of each Sunday in the period (arrived on or before, not yet left)."""
    stays = _stays(session, period)
    first_sunday = period.start + timedelta(days=(6 - period.start.weekday()) % 7)
    weeks = (
        [first_sunday + timedelta(weeks=i) for i in range((period.end - first_sunday).days // 7 + 1)]
        if first_sunday <= period.end
        else []
    )
    rows: list[tuple[date, str, int]] = []
    for week_end in weeks:
        present = stays.filter(
            (pl.col("arrived_on") <= week_end)
            & (pl.col("exited_on").is_null() | (pl.col("exited_on") > week_end))
        )
        for hub, n in present.group_by("hub").agg(pl.len()).sort("hub").iter_rows():
            rows.append((week_end, str(hub), int(n)))
    return pl.DataFrame(
        rows, schema={"Week ending": pl.Date, "Hub": pl.String, "People in hub": pl.Int64}, orient="row"
    )


def cost_per_person_placed(session: Session, period: Period) -> pl.DataFrame:
    """Per hub: the cost of the stays in the period (person-days in the hub, each priced at the agreement's
    cost per place per day in force that day) divided by the people placed in the hub in the period.

    The agreement and its dated terms come from the partners register (``partners.service``); a hub whose
    agreement has no cost on record shows no cost rather than a guessed one.
    """
    from returnhub.partners import service as partners

    stays = _stays(session, period)
    schema = {
        "Hub": pl.String,
        "Agreement": pl.String,
        "People placed": pl.Int64,
        "Person-days in hub": pl.Int64,
        "Cost of the stays": pl.Float64,
        "Currency": pl.String,
        "Cost per person placed": pl.Float64,
    }
    rows: list[tuple[Any, ...]] = []
    for hub in sorted(stays["hub"].unique().drop_nulls().to_list()):
        agreement = partners.hub_on(session, hub, period.end).agreement
        versions = sorted(partners.agreement_versions(session, agreement), key=lambda v: v.effective_from)
        mine = stays.filter(pl.col("hub") == hub)
        placed = mine.filter(pl.col("arrived_on").is_between(period.start, period.end)).height
        days = 0
        cost = 0.0
        priced = True
        for arrived, exited in mine.select("arrived_on", "exited_on").iter_rows():
            first = max(arrived, period.start)
            # The day of leaving is not a night in the hub.
            last = min((exited - timedelta(days=1)) if exited else period.end, period.end)
            for offset in range((last - first).days + 1):
                day = first + timedelta(days=offset)
                days += 1
                in_force = [v for v in versions if v.effective_from <= day]
                price = in_force[-1].cost_per_place_per_day if in_force else None
                if price is None:
                    priced = False
                else:
                    cost += float(price)
        currency = next((v.cost_currency for v in reversed(versions) if v.cost_currency), None)
        total = round(cost, 2) if priced and days else None
        per_person = round(cost / placed, 2) if priced and placed else None
        rows.append((hub, agreement, placed, days, total, currency, per_person))
    return pl.DataFrame(rows, schema=schema, orient="row")


def transfers_and_load(session: Session, period: Period) -> pl.DataFrame:
    """Transfers that departed in the period: people on board, seats and the load factor."""
    frame = _events(session, ("departed",), period, ("transfer",))
    loads = _count(frame, ["transfer"], "People transferred")
    transfers = counts.transfer_seats(session)
    seats = dict(zip(transfers["reference"], transfers["seats"], strict=True))
    hubs = dict(zip(transfers["reference"], transfers["hub"], strict=True))
    return (
        loads.rename({"transfer": "Transfer"})
        .with_columns(
            pl.col("Transfer").replace_strict(hubs, default="Unknown").alias("Hub"),
            pl.col("Transfer").replace_strict(seats, default=None, return_dtype=pl.Int64).alias("Seats"),
        )
        .with_columns((pl.col("People transferred") / pl.col("Seats")).round(3).alias("Load factor"))
        .select("Transfer", "Hub", "People transferred", "Seats", "Load factor")
    )


EXIT_REASON_WORDS = {
    "onward_return_voluntary": "Onward return, voluntary",
    "onward_return_enforced": "Onward return, enforced",
    "returned_to_sending_state": "Returned to the sending state",
    "transferred_elsewhere": "Transferred elsewhere",
    "absconded": "Absconded",
    "died": "Died",
    "other": "Other",
}


def stays_by_exit_reason(session: Session, period: Period) -> pl.DataFrame:
    """Hub stays that ended in the period, by why they ended, with their length in days."""
    ends = _events(session, ("hub_exit",), period, ("reason",))
    starts = (
        _events(session, ("arrived_at_hub",), period, since=date(1900, 1, 1))
        .select("case_id", pl.col("occurred_on").alias("arrived_on"))
        .sort("arrived_on")
    )
    if ends.height == 0:
        return pl.DataFrame(
            schema={
                "Exit reason": pl.String,
                "Stays": pl.Int64,
                "Median length (days)": pl.Float64,
                "Longest (days)": pl.Int64,
            }
        )
    joined = ends.sort("occurred_on").join_asof(
        starts,
        left_on="occurred_on",
        right_on="arrived_on",
        by="case_id",
        strategy="backward",
        check_sortedness=False,
    )
    joined = joined.with_columns((pl.col("occurred_on") - pl.col("arrived_on")).dt.total_days().alias("days"))
    return (
        joined.group_by("reason")
        .agg(
            pl.len().cast(pl.Int64).alias("Stays"),
            pl.col("days").median().alias("Median length (days)"),
            pl.col("days").max().cast(pl.Int64).alias("Longest (days)"),
        )
        .with_columns(
            pl.col("reason").replace_strict(EXIT_REASON_WORDS, default="Other").alias("Exit reason")
        )
        .select("Exit reason", "Stays", "Median length (days)", "Longest (days)")
        .sort("Exit reason")
    )


def etd_answer_times(session: Session, period: Period) -> pl.DataFrame:
    """Travel-document requests made in the period, per country: chasers, answers, days to answer, and the
    requests left unanswered past the service level (counted as non-cooperation).

    A request is followed up to the "as at" day (or up to everything recorded, for a period without one):
    a request made in November and answered in December has its answer, and an unanswered one is judged
    against that day (or against the latest follow-up on record)."""
    requests = _events(session, ("travel_document_requested",), period, ("country",))
    # Follow-ups have legal dates up to the "as at" day; without one, up to the end of the scheme's horizon.
    until = period.as_at if period.as_at is not None else date(2999, 12, 31)
    later = Period(period.start, max(period.end, until), period.as_at, unbounded=True)
    follow = _events(
        session,
        ("travel_document_chased", "travel_document_issued", "travel_document_refused"),
        later,
        ("country",),
    )
    schema = {
        "Country": pl.String,
        "Requests": pl.Int64,
        "Chasers": pl.Int64,
        "Issued": pl.Int64,
        "Refused": pl.Int64,
        "Median days to answer": pl.Float64,
        "Not answered within service level": pl.Int64,
    }
    if requests.height == 0:
        return pl.DataFrame(schema=schema)
    answers = (
        follow.filter(pl.col("event_type") != "travel_document_chased")
        .select(
            "case_id",
            "country",
            pl.col("occurred_on").alias("answered_on"),
            pl.col("event_type").alias("answer"),
        )
        .sort("answered_on")
    )
    req = requests.select("case_id", "country", pl.col("occurred_on").alias("requested_on")).sort(
        "requested_on"
    )
    joined = req.join_asof(
        answers,
        left_on="requested_on",
        right_on="answered_on",
        by=["case_id", "country"],
        strategy="forward",
        check_sortedness=False,
    )
    chasers = (
        follow.filter(pl.col("event_type") == "travel_document_chased")
        .group_by("country")
        .agg(pl.len().cast(pl.Int64).alias("Chasers"))
    )
    horizon = period.as_at or max([period.end, *follow["occurred_on"].to_list()])
    days = (pl.col("answered_on") - pl.col("requested_on")).dt.total_days()
    late = (
        pl.when(pl.col("answered_on").is_null())
        .then(pl.lit(horizon) - pl.col("requested_on") > timedelta(days=ETD_SERVICE_LEVEL_DAYS))
        .otherwise(days > ETD_SERVICE_LEVEL_DAYS)
    )
    name = _names()
    out = (
        joined.group_by("country")
        .agg(
            pl.len().cast(pl.Int64).alias("Requests"),
            (pl.col("answer") == "travel_document_issued").sum().cast(pl.Int64).alias("Issued"),
            (pl.col("answer") == "travel_document_refused").sum().cast(pl.Int64).alias("Refused"),
            days.median().alias("Median days to answer"),
            late.sum().cast(pl.Int64).alias("Not answered within service level"),
        )
        .join(chasers, on="country", how="left")
        .with_columns(
            pl.col("Chasers").fill_null(0),
            pl.col("country").map_elements(name, return_dtype=pl.String).alias("Country"),
        )
    )
    return out.select(list(schema)).sort("Country")


def gate_stops_by_rule(session: Session, period: Period) -> pl.DataFrame:
    """People the departure gate took off a transfer in the period, by the rule that stopped them (a person
    stopped by two rules counts under both)."""
    stops = counts.gate_stops_by_rule(
        session,
        datetime.combine(period.start, time.min, tzinfo=UTC),
        datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=UTC),
        known_at=period.known_at,
    )
    return stops.rename({"rule": "Rule", "stopped": "Moves stopped"}).sort("Rule")


# --- the catalogue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    description: str
    source: str
    build: Callable[[Session, Period], pl.DataFrame]
    #: The count column (the one suppressed when small); None: a table of measures, never suppressed.
    count_column: str | None


CATALOGUE: dict[str, Table] = {
    t.slug: t
    for t in (
        Table(
            "Ret_D01",
            "Returns by nationality, age, sex, return type and destination group",
            "Returns from the UK (enforced, voluntary and port), one per return, by quarter. Hub transfers "
            "are not a UK return type and are left out (see the Eurostat tables).",
            HOME_OFFICE,
            ret_d01,
            "Number of returns",
        ),
        Table(
            "Ret_D02",
            "Returns by destination",
            "The same returns by return destination and its world region.",
            HOME_OFFICE,
            ret_d02,
            "Number of returns",
        ),
        Table(
            "Irr_D01",
            "Irregular migration detections",
            "Arrivals by method of entry, one per recorded arrival.",
            HOME_OFFICE_IRREGULAR,
            irr_d01,
            "Number of detections",
        ),
        Table(
            "Asy_D01",
            "Asylum claims",
            "Asylum claims lodged, one per claim (a fresh claim counts again).",
            HOME_OFFICE_ASYLUM,
            asy_d01,
            "Applications",
        ),
        Table(
            "Asy_D02",
            "Initial asylum decisions",
            "Initial decisions on asylum claims, one per decision.",
            HOME_OFFICE_ASYLUM,
            asy_d02,
            "Decisions",
        ),
        Table(
            "Det_D01",
            "People entering detention",
            "Each entry into detention, by the first place of detention.",
            HOME_OFFICE,
            det_d01,
            "Entering",
        ),
        Table(
            "migr_eiord",
            "Third-country nationals ordered to leave (annual)",
            "Orders to leave: notices of intention to remove and deportation orders.",
            EUROSTAT,
            migr_eiord,
            "OBS_VALUE",
        ),
        Table(
            "migr_eirtn",
            "Third-country nationals returned following an order to leave (annual)",
            "Enforced removals, voluntary departures and transfers to a return hub "
            "(a hub is another third country).",
            EUROSTAT,
            migr_eirtn,
            "OBS_VALUE",
        ),
        Table(
            "eurostat_returns_quarterly",
            "Returns by type of return and destination (quarterly)",
            "Forced or voluntary; to the country of origin or to another third country "
            "(THRD, where a hub transfer belongs).",
            EUROSTAT,
            eurostat_returns_quarterly,
            "OBS_VALUE",
        ),
        Table(
            "hub_occupancy_weekly",
            "Hub occupancy by week",
            "People in each hub at the end of each Sunday of the period.",
            SCHEME,
            hub_occupancy_weekly,
            None,
        ),
        Table(
            "transfers_and_load",
            "Transfers and load factors",
            "Each transfer that departed in the period: people on board against seats.",
            SCHEME,
            transfers_and_load,
            None,
        ),
        Table(
            "stays_by_exit_reason",
            "Hub stays by exit reason and length",
            "Stays that ended in the period, by why, with their length.",
            SCHEME,
            stays_by_exit_reason,
            None,
        ),
        Table(
            "etd_answer_times",
            "Travel-document answer times by country",
            f"Requests made in the period; not answered within {ETD_SERVICE_LEVEL_DAYS} days counts as "
            "non-cooperation.",
            SCHEME,
            etd_answer_times,
            None,
        ),
        Table(
            "cost_per_person_placed",
            "Cost per person placed",
            "Per hub: the cost of the stays in the period at the agreement's dated cost per place per day, "
            "divided by the people placed in the period.",
            SCHEME,
            cost_per_person_placed,
            None,
        ),
        Table(
            "gate_stops_by_rule",
            "Moves stopped at the departure gate, by rule",
            "Each person the gate took off a transfer, under each rule that stopped them.",
            SCHEME,
            gate_stops_by_rule,
            None,
        ),
    )
}


def table(slug: str) -> Table:
    found = CATALOGUE.get(slug) or next(
        (t for t in CATALOGUE.values() if t.slug.lower() == slug.lower()), None
    )
    if found is None:
        raise NotFound(f"no table called {slug!r}; the catalogue has: {', '.join(CATALOGUE)}")
    return found


def produce(session: Session, slug: str, period: Period, *, suppress_below: int = 0) -> pl.DataFrame:
    """The table for the period, with counts below ``suppress_below`` shown as ":" (the Home Office mark)."""
    spec = table(slug)
    frame = spec.build(session, period)
    if suppress_below > 0 and spec.count_column is not None and frame.height:
        column = spec.count_column
        frame = frame.with_columns(
            pl.when(pl.col(column) < suppress_below)
            .then(pl.lit(SUPPRESSED))
            .otherwise(pl.col(column).cast(pl.String))
            .alias(column)
        )
    return frame


def catalogue() -> list[TableEntry]:
    return [
        TableEntry(table=t.slug, title=t.title, description=t.description, source=t.source)
        for t in CATALOGUE.values()
    ]


def title_for(spec: Table, period: Period) -> str:
    """The title row of a published table: what, for when, and as at which day."""
    as_at = f", as at {period.as_at:%d %B %Y}" if period.as_at else ""
    return f"{spec.slug}: {spec.title}, {period.start:%d %B %Y} to {period.end:%d %B %Y}{as_at}"


# --- published figures beside the system's own ----------------------------------------------------------

#: Published series the record can count like for like: which events, and (for arrivals) which route.
PUBLISHED_SERIES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "small_boat_arrivals": (("arrival",), "small_boat"),
    "asylum_applications_main": (("asylum_claim_lodged",), None),
    "enforced_returns": (("enforced_removal",), None),
    "returns_all_types": (RETURN_EVENTS, None),
    "entered_detention": (("detained",), None),
}


def published_figures() -> pl.DataFrame:
    """The published UK figures (a copy of ``reference/uk_published_figures.csv``, with each row's source)."""
    from importlib import resources

    text = resources.files("returnhub.statistics").joinpath("uk_published_figures.csv").read_bytes()
    return pl.read_csv(text, infer_schema=False)


def _published_period(text: str) -> tuple[date, date] | None:
    """A plain year or a ``start/end`` range; anything else (e.g. "year ending September") is not compared."""
    try:
        if text.isdigit() and len(text) == 4:
            return date(int(text), 1, 1), date(int(text), 12, 31)
        if "/" in text:
            first, last = text.split("/")
            return date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        return None
    return None


def published_beside_system(session: Session, period: Period) -> pl.DataFrame:
    """Each published figure whose period meets the requested one, beside the count of the same events in
    this record over the published figure's own period (so the two cover the same days)."""
    rows: list[tuple[Any, ...]] = []
    for series, when, value, unit, quality, source in published_figures().iter_rows():
        spec = PUBLISHED_SERIES.get(series)
        span = _published_period(str(when))
        if spec is None or span is None or span[1] < period.start or span[0] > period.end:
            continue
        types, route = spec
        own = _events(session, types, Period(span[0], span[1], period.as_at), ("route",) if route else ())
        if route:
            own = own.filter(pl.col("route") == route)
        label = series.replace("_", " ").capitalize()
        rows.append((label, str(when), int(value), own.height, unit, quality, source))
    return pl.DataFrame(
        rows,
        schema={
            "Series": pl.String,
            "Period": pl.String,
            "Published": pl.Int64,
            "This system": pl.Int64,
            "Unit": pl.String,
            "Quality of the published figure": pl.String,
            "Source": pl.String,
        },
        orient="row",
    )


CATALOGUE["published_beside_system"] = Table(
    "published_beside_system",
    "Published UK figures beside this system's own",
    "Each published figure (with its source and quality) whose period meets the one asked for, beside the "
    "same events counted in this record over the same days.",
    "Published UK figures collected in reference/uk_published_figures.csv (each row names its source)",
    published_beside_system,
    None,
)
