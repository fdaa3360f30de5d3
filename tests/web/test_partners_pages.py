"""The partners pages: the pipeline by status, an agreement's terms on a date with all its versions, and
the hubs with their beds and occupancy on a date."""

from __future__ import annotations

import re

from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.partners.seed import seed_partners
from tests.web.pages import page_client

AGREEMENT = "GBR-MKD-ILLUSTRATIVE"  # the seed's amendment adds IRQ and TUR from 2026-04-01


def _seed(runtime: Runtime, clock: FixedClock) -> None:
    with unit_of_work(runtime.engine) as s:
        seed_partners(s, clock)


def _tables(html: str) -> dict[str, str]:
    """Each table of the page by its caption's text (the partners page has one table per status)."""
    out: dict[str, str] = {}
    for table in re.findall(r"<table.*?</table>", html, flags=re.S):
        caption = re.search(r"<caption[^>]*>(.*?)</caption>", table, flags=re.S)
        assert caption is not None
        out[re.sub(r"\s+", " ", caption.group(1)).strip()] = table
    return out


def _table_starting(html: str, caption_start: str) -> str:
    found = [t for c, t in _tables(html).items() if c.startswith(caption_start)]
    assert len(found) == 1, (caption_start, list(_tables(html)))
    return found[0]


def test_partners_page_groups_the_pipeline_by_status_on_a_date(runtime: Runtime, clock: FixedClock) -> None:
    _seed(runtime, clock)
    with page_client(runtime, "partnerships_officer") as browser:
        today = browser.get("/ui/partners")
        assert today.status_code == 200, today.text[:500]
        assert "script-src 'self'" in today.headers["content-security-policy"]
        in_force = _table_starting(today.text, "In force")
        assert f'href="/ui/agreements/{AGREEMENT}"' in in_force
        assert "North Macedonia" in in_force and "(MKD)" not in in_force  # names, not codes
        assert "In talks" not in in_force  # the row's tag says in force
        # The UK-Albania talks were declined, and the Rwanda partnership terminated.
        assert "Albania" in _table_starting(today.text, "Declined")
        assert "GBR-RWA-MEDP" in _table_starting(today.text, "Terminated")

        # Before the memorandum (3 November 2025), the same pipeline was still in talks.
        earlier = browser.get("/ui/partners", params={"on": "2025-06-01"})
        assert earlier.status_code == 200
        assert AGREEMENT in _table_starting(earlier.text, "In talks")
        assert not any(c.startswith("In force") and "MKD" in t for c, t in _tables(earlier.text).items())


def test_agreement_page_shows_the_terms_on_a_date_and_every_version(
    runtime: Runtime, clock: FixedClock
) -> None:
    _seed(runtime, clock)
    with page_client(runtime, "analyst") as browser:
        before = browser.get(f"/ui/agreements/{AGREEMENT}", params={"on": "2026-03-31"})
        after = browser.get(f"/ui/agreements/{AGREEMENT}", params={"on": "2026-04-01"})
        default = browser.get(f"/ui/agreements/{AGREEMENT.lower()}")
    assert before.status_code == after.status_code == default.status_code == 200
    # Money in its currency (pounds here), not a bare decimal.
    assert "£95" in after.text and "£20,000,000" in after.text and "95.00" not in after.text

    def in_scope(html: str) -> str:
        found = re.search(r"Nationalities in scope that day:\s*(.*?)\.</p>", html, flags=re.S)
        assert found is not None
        return found.group(1).strip()

    assert in_scope(before.text) == "Albania, Bangladesh, Egypt, India, Nigeria, Pakistan, Vietnam"
    assert (
        in_scope(after.text) == "Albania, Bangladesh, Egypt, India, Iraq, Nigeria, Pakistan, Türkiye, Vietnam"
    )
    assert "Version 1, in force from 1 December 2025" in before.text
    assert "Version 2, in force from 1 April 2026" in after.text
    assert in_scope(default.text) == in_scope(after.text)  # today (1 June 2026) is after the amendment

    # All versions, whatever the date asked about: when each ran, what changed, and its source.
    versions = _table_starting(before.text, "Versions")
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", versions, flags=re.S)[1:]
    assert len(rows) == 2
    assert "1 December 2025" in rows[0] and "31 March 2026" in rows[0] and "First version" in rows[0]
    assert "1 April 2026" in rows[1] and "Still current" in rows[1]
    assert "Nationalities in scope: added Iraq, Türkiye" in rows[1]
    assert "Iraq and Türkiye added" in rows[1]  # the version's own note
    assert "Illustrative" in rows[1]


def test_unknown_agreement_is_a_readable_404(runtime: Runtime, clock: FixedClock) -> None:
    _seed(runtime, clock)
    with page_client(runtime, "caseworker") as browser:
        answer = browser.get("/ui/agreements/NO-SUCH-AGREEMENT")
    assert answer.status_code == 404
    assert "Page not found" in answer.text and "NO-SUCH-AGREEMENT" in answer.text


def test_hubs_page_shows_beds_and_occupancy_on_a_date(runtime: Runtime, clock: FixedClock) -> None:
    _seed(runtime, clock)
    with page_client(runtime, "operations_planner") as browser:
        now = browser.get("/ui/hubs")
        before_h2 = browser.get("/ui/hubs", params={"on": "2025-11-15"})
    assert now.status_code == 200
    rows = {
        hub: row
        for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", now.text, flags=re.S)
        for hub in re.findall(r"\b(GBR-MKD-H\d|ITA-ALB-[A-Z-]+)\b \(", row)
    }
    h1 = re.sub(r"\s+", " ", rows["GBR-MKD-H1"])
    assert "Operational" in h1 and ">300<" in h1 and ">40<" in h1 and ">260<" in h1
    assert "31 December 2025" in h1  # the head count used
    h2 = re.sub(r"\s+", " ", rows["GBR-MKD-H2"])
    assert ">200<" in h2 and "Not counted" in h2
    # H2 was registered on 1 December 2025; H1 was planned (no free beds) in November.
    assert "GBR-MKD-H2" not in before_h2.text
    assert "GBR-MKD-H1" in before_h2.text and "Planned" in before_h2.text


def test_a_bad_date_is_reported_not_a_server_error(runtime: Runtime, clock: FixedClock) -> None:
    _seed(runtime, clock)
    with page_client(runtime, "hub_liaison") as browser:
        for path in ("/ui/hubs", "/ui/partners", f"/ui/agreements/{AGREEMENT}"):
            answer = browser.get(path, params={"on": "2026-02-30"})
            assert answer.status_code == 422, path
            assert "There is a problem" in answer.text
            assert 'href="#on"' in answer.text and "Enter the date as YYYY-MM-DD" in answer.text
            assert 'value="2026-02-30"' in answer.text  # what was typed stays in the field


def test_a_legal_representative_cannot_see_the_partners_pages(runtime: Runtime, clock: FixedClock) -> None:
    _seed(runtime, clock)
    with page_client(runtime, "legal_representative") as browser:
        for path in ("/ui/partners", "/ui/hubs", f"/ui/agreements/{AGREEMENT}"):
            assert browser.get(path).status_code == 403, path


def test_partners_and_hubs_pages_show_where_each_fact_comes_from(runtime: Runtime, clock: FixedClock) -> None:
    """Issue 13, finding 14: provenance on the pages: the invented UK-North Macedonia agreement and its
    hubs are marked illustrative, not facts; the UK's talks with Serbia are reported, not confirmed."""
    _seed(runtime, clock)
    with page_client(runtime, "partnerships_officer") as browser:
        partners = browser.get("/ui/partners", params={"on": "2026-01-15"}).text
        in_force = _table_starting(partners, "In force")
        row = next(r for r in re.findall(r"<tr.*?</tr>", in_force, flags=re.S) if "North Macedonia" in r)
        assert "Illustrative, not a fact" in row
        talks = _table_starting(partners, "In talks")
        row = next(r for r in re.findall(r"<tr.*?</tr>", talks, flags=re.S) if "Serbia" in r)
        assert "Reported" in row and "insiders insist" in row
        hubs = browser.get("/ui/hubs", params={"on": "2026-01-15"}).text
        row = next(r for r in re.findall(r"<tr.*?</tr>", hubs, flags=re.S) if "GBR-MKD-H1" in r)
        assert "Illustrative, not a fact" in row
        row = next(r for r in re.findall(r"<tr.*?</tr>", hubs, flags=re.S) if "ITA-ALB-GJADER-CPR" in r)
        assert "Sourced" in row
