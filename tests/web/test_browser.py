"""End to end in a real browser: Debian's Chromium driven by Playwright against a live server.

Each role signs in and does its main task; axe-core checks every page it sees (no serious or critical
violation); the browser reports no Content-Security-Policy violation; screenshots of the main pages go
to ``var/screenshots/`` for a reviewer.

Chromium is installed by ``.ci/run``; CI sets ``RETURNHUB_REQUIRE_BROWSER=1`` so a missing browser fails
the run. Elsewhere, without ``/usr/bin/chromium``, this file is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select

from returnhub.casework.bulk import load_population
from returnhub.casework.models import case_projection
from returnhub.casework.store import case_state
from returnhub.core.clock import FixedClock
from returnhub.core.database import create_engine, unit_of_work
from returnhub.core.migrate import upgrade
from returnhub.core.runtime import Runtime
from returnhub.core.settings import Settings
from returnhub.operations.transfers import add_to_manifest, create_transfer, lock_manifest, show_transfer
from returnhub.partners.seed import seed_partners
from returnhub.synthetic import generate_population
from returnhub.web.app import create_app
from tests.auth_helpers import CHEAP_HASHING, PASSWORD, make_user
from tests.casework.helpers import REFUSED_HISTORY, add_person, record
from tests.operations.conftest import HUB, eligible_person
from tests.web.plain_words import plain_words_problems

CHROMIUM = os.environ.get("RETURNHUB_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("RETURNHUB_REQUIRE_BROWSER") == "1"
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"

if not Path(CHROMIUM).exists() or not AXE.exists():
    missing = CHROMIUM if not Path(CHROMIUM).exists() else str(AXE)
    if REQUIRE_BROWSER:
        pytest.fail(f"RETURNHUB_REQUIRE_BROWSER=1 but {missing} is missing", pytrace=False)
    pytest.skip(f"{missing} is missing (apt install chromium; npm ci)", allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

TODAY = date(2026, 6, 1)
ON_LOCKED = "RH9000001"  # on a locked manifest when the caseworker records Rule 39
TO_PLAN = [f"RH90000{i:02d}" for i in range(10, 16)]
CLIENT = "RH9000001"
TO_REVIEW = ("RH9000020", "RH9000021")  # Adults at Risk level 2: a senior caseworker decides (R8)
NOT_A_CLIENT = "RH9000010"


@dataclass
class World:
    base: str
    runtime: Runtime
    locked_transfer: str
    users: dict[str, str]
    axe_violations: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    code_on_pages: list[str] = field(default_factory=list)
    wide_pages: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _build(runtime: Runtime) -> str:
    engine, clock = runtime.engine, runtime.clock
    population = generate_population(200, seed=11, today=TODAY)
    load_population(engine, population.persons, population.events, clock=clock)
    with unit_of_work(engine) as s:
        seed_partners(s, clock)
    for reference in [ON_LOCKED, *TO_PLAN]:
        eligible_person(engine, clock, reference)  # type: ignore[arg-type]
    with unit_of_work(engine) as s:
        for reference in TO_REVIEW:
            add_person(s, reference)
            for event_type, on, data in REFUSED_HISTORY:
                record(s, clock, reference, event_type, on, data)  # type: ignore[arg-type]
            record(s, clock, reference, "adults_at_risk_assessed", date(2025, 1, 10), {"level": 2})  # type: ignore[arg-type]
    departs = datetime.combine(TODAY + timedelta(days=2), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=18
    )
    with unit_of_work(engine) as s:
        locked = create_transfer(
            s,
            hub=HUB,
            mode="charter_flight",
            departs_at=departs,
            seats=10,
            min_load=1,
            escorts=4,
            monitor_on_board=True,
            clock=clock,
            created_by="seed",
        ).reference
        add_to_manifest(s, locked, ON_LOCKED, clock=clock, recorded_by="seed")
    with unit_of_work(engine) as s:
        lock_manifest(s, locked, clock=clock, recorded_by="seed")
    with unit_of_work(engine) as s:
        # The transfer the planner's plan fills (the optimiser's candidate charters need 40 people).
        create_transfer(
            s,
            hub=HUB,
            mode="charter_flight",
            departs_at=departs + timedelta(days=1),
            seats=10,
            min_load=4,
            escorts=10,
            monitor_on_board=True,
            clock=clock,
            created_by="seed",
        )
    return locked


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'returnhub.db'}"
    upgrade(url)
    engine = create_engine(url)
    runtime = Runtime(
        settings=Settings(database_url=url),
        engine=engine,
        clock=FixedClock(datetime(2026, 6, 1, 9, tzinfo=UTC)),
    )
    locked = _build(runtime)
    users = {}
    for role in (
        "caseworker",
        "senior_caseworker",
        "operations_planner",
        "independent_monitor",
        "legal_representative",
        "analyst",
    ):
        name = f"e2e-{role.replace('_', '-')}"
        clients = [CLIENT] if role == "legal_representative" else []
        make_user(runtime, role, name=name, clients=clients)
        users[role] = name
    app = create_app(runtime)
    # Plain http, as `make demo` serves: the demo switches the Secure cookie off the same way.
    app.state.access_settings = CHEAP_HASHING.model_copy(update={"session_cookie_secure": False})
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    yield World(f"http://127.0.0.1:{port}", runtime, locked, users)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


def _plain_and_narrow(world: World, page: Page, name: str) -> None:
    """The page speaks words, and at 1,280 or 375 px nothing makes the page itself scroll sideways."""
    problems = plain_words_problems(page.locator("body").inner_text())
    if problems:
        world.code_on_pages.append(f"{name} ({page.url}): {sorted(set(problems))[:8]}")
    size = page.viewport_size or {"width": 1280, "height": 900}
    # Nor at its own width (a case page with its review forms was once 1,338 px wide at 1,280).
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > size["width"]:
        world.wide_pages.append(f"{name} ({page.url}): {width} px wide at {size['width']}")
    page.set_viewport_size({"width": 375, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 375:
        world.wide_pages.append(f"{name} ({page.url}): {width} px wide at 375")
    page.screenshot(path=str(SCREENSHOTS / f"{name}-375.png"), full_page=True)
    page.set_viewport_size(size)


def _axe(world: World, page: Page, name: str) -> None:
    """Run axe-core on the page; keep every serious or critical violation, and save a screenshot (1,280
    and 375 px); check the page's words and its width at 375 px."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # DevTools evaluation: not subject to the page's CSP
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    for v in result["violations"]:
        if v.get("impact") in ("serious", "critical"):
            targets = [n["target"] for n in v["nodes"][:3]]
            world.axe_violations.append(
                f"{name} ({page.url}): {v['id']} [{v['impact']}] {v['help']} {targets}"
            )
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    _plain_and_narrow(world, page, name)


def _sign_in(world: World, browser: Browser, role: str) -> Page:
    context = browser.new_context(base_url=world.base, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on(
        "console",
        lambda m: (
            world.csp_violations.append(f"{role} {page.url}: {m.text}")
            if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
            else None
        ),
    )
    page.goto("/ui/")
    assert "/ui/sign-in" in page.url  # not signed in: sent to the sign-in page
    _axe(world, page, "sign-in")
    page.fill("#name", world.users[role])
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/ui/")
    assert page.locator("h1").inner_text().startswith("Your work on")
    _axe(world, page, f"home-{role}")
    return page


def _failed_sign_in_shows_error_summary(world: World, browser: Browser) -> None:
    page = browser.new_context(base_url=world.base).new_page()
    page.goto("/ui/sign-in")
    page.fill("#name", world.users["caseworker"])
    page.fill("#password", "not the password")
    page.click("button:has-text('Sign in')")
    assert page.locator(".govuk-error-summary").is_visible()
    _axe(world, page, "sign-in-error")
    page.context.close()


def _case_state(world: World, reference: str) -> tuple[str, str | None]:
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        row = s.execute(
            select(case_projection.c.status, case_projection.c.allocated_transfer).where(
                case_projection.c.reference == reference
            )
        ).one()
    return row.status, row.allocated_transfer


def _transfer_status(world: World, reference: str) -> str:
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        return str(show_transfer(s, reference).status)


def _events(world: World, reference: str) -> int:
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        return case_state(s, reference)[1].version


def _decide_review(world: World, page: Page, reference: str, decision: str, reasons: str) -> None:
    """A senior caseworker decides the R8 review through the case page, as a person would."""
    before = _events(world, reference)
    page.goto(f"/ui/cases/{reference}")
    page.click("summary:has-text('Decide the review of R8')")
    page.select_option("#decision-R8", decision)
    page.fill("#reasoning-R8", reasons)
    page.click("button:has-text('Record the decision')")
    page.wait_for_url("**done=reviewed")
    assert _events(world, reference) == before + 1  # one review decision, written
    row = page.locator("tr:has(th:has-text('R8:'))").inner_text()
    assert ("Approved" if decision == "approve" else "Refused") in row and reasons in row
    _axe(world, page, f"case-reviewed-{decision}")


def test_each_role_does_its_main_task(world: World, browser: Browser) -> None:
    _failed_sign_in_shows_error_summary(world, browser)

    # --- a caseworker records a Rule 39 indication; the person leaves the locked manifest at once.
    assert _case_state(world, ON_LOCKED) == ("allocated", world.locked_transfer)
    worker = _sign_in(world, browser, "caseworker")
    worker.click("button:has-text('Screen the caseload now')")
    worker.wait_for_url("**done=screened")
    assert "The caseload was screened" in worker.locator(".govuk-notification-banner").inner_text()
    _axe(world, worker, "home-screened")
    worker.click("a.govuk-service-navigation__link:has-text('Caseload')")
    worker.fill("#reference", "RH9")
    worker.click("button:has-text('Search')")
    worker.wait_for_selector(f"a:has-text('{ON_LOCKED}')")
    _axe(world, worker, "caseload")
    worker.click(f"a:has-text('{ON_LOCKED}')")
    worker.wait_for_url(f"**/ui/cases/{ON_LOCKED}")
    _axe(world, worker, "case")
    # A bad date is refused with the GOV.UK error summary, and nothing is written.
    worker.select_option("#event_type", "rule39_granted")
    worker.fill("#occurred_on-day", "31")
    worker.fill("#occurred_on-month", "2")
    worker.fill("#occurred_on-year", "2026")
    worker.click("button:has-text('Record the event')")
    assert worker.locator(".govuk-error-summary").is_visible()
    assert "real date" in worker.locator(".govuk-error-summary").inner_text()
    _axe(world, worker, "case-error")
    assert _case_state(world, ON_LOCKED) == ("allocated", world.locked_transfer)
    # The details are the Rule 39 form's own fields (no JSON): its expiry as a GOV.UK date input.
    before = _events(world, ON_LOCKED)
    worker.select_option("#event_type", "rule39_granted")
    assert worker.locator("#fields-rule39_granted").is_visible()
    assert not worker.locator("#fields-appeal_decided").is_visible()  # only the chosen event's fields
    worker.fill("#occurred_on-day", "1")
    worker.fill("#occurred_on-month", "6")
    worker.fill("#occurred_on-year", "2026")
    worker.fill("#rule39_granted--expires_on-day", "1")
    worker.fill("#rule39_granted--expires_on-month", "9")
    worker.fill("#rule39_granted--expires_on-year", "2026")
    worker.click("button:has-text('Record the event')")
    worker.wait_for_url("**done=recorded*")
    assert "The event was recorded" in worker.locator(".govuk-notification-banner").first.inner_text()
    banner = worker.locator("#consequences").inner_text()
    assert f"was taken off transfer {world.locked_transfer}" in banner, banner
    assert _events(world, ON_LOCKED) == before + 2  # the indication, and the gate taking them off
    timeline = worker.locator("table:has(caption:has-text('Legal events'))").inner_text()
    assert "Rule 39 indication granted" in timeline and "Taken off a transfer" in timeline
    assert "Expires on: 1 September 2026" in timeline
    assert _case_state(world, ON_LOCKED)[1] is None
    _axe(world, worker, "case-recorded")
    # The as-of view: as known before the notice, the person was still on the manifest.
    worker.fill("#known_at", "2026-06-01T08:00")
    worker.click("button:has-text('Show the case as it was')")
    assert "as they were known at" in worker.locator(".govuk-inset-text").inner_text()
    _axe(world, worker, "case-as-of")

    # --- a senior caseworker approves one review and refuses another, through the page.
    senior = _sign_in(world, browser, "senior_caseworker")
    _decide_review(
        world, senior, TO_REVIEW[0], "approve", "Level 2 evidence; the hub provides the care needed."
    )
    _decide_review(
        world, senior, TO_REVIEW[1], "refuse", "The medical evidence shows the hub cannot meet needs."
    )

    # --- the planner sees who was taken off and why, then runs a plan and approves it.
    planner = _sign_in(world, browser, "operations_planner")
    planner.goto(f"/ui/transfers/{world.locked_transfer}")
    removed = planner.locator("#removed").inner_text()
    assert ON_LOCKED in removed and "R" in removed
    _axe(world, planner, "transfer")
    planner.goto("/ui/transfers")
    _axe(world, planner, "transfers")
    # Depart asks first, and says the transfer is due later (it departs in two days).
    planner.goto(f"/ui/transfers/{world.locked_transfer}")
    planner.click("#depart-check")
    check = planner.locator("#check").inner_text()
    assert "cannot be undone" in check and "due to depart in 2 days" in check, check
    _axe(world, planner, "transfer-depart-check")
    planner.click("a:has-text('Cancel')")
    planner.goto("/ui/planning")
    planner.fill("#weeks", "0")
    planner.click("button:has-text('Run the optimiser')")
    assert planner.locator(".govuk-error-summary").is_visible()
    planner.fill("#weeks", "4")
    planner.click("button:has-text('Run the optimiser')")
    planner.wait_for_url("**/ui/plans/*")
    _axe(world, planner, "plan")
    assert "People placed" in planner.locator(".govuk-summary-list").inner_text()
    # Check your answers before approving: what approving will do, then the button that does it.
    planner.click("a:has-text('Check and approve the plan')")
    planner.wait_for_url("**confirm=approve*")
    assert "transfers will be created" in planner.locator("#check").inner_text()
    _axe(world, planner, "plan-check")
    planner.click("button:has-text('Approve the plan')")
    planner.wait_for_url("**done=approved")
    assert planner.locator("#by-week-and-hub").is_visible()  # the plan summarised by week and hub
    _axe(world, planner, "plan-approved")
    assert "listed" in planner.locator("main").inner_text()
    placed = [r for r in TO_PLAN if _case_state(world, r)[0] == "allocated"]
    assert placed, "approving the plan listed no one"
    # The planned code links to the transfer it became; the planner locks it, then it departs, each after
    # checking their answers, and the record changes: locked, then one departure event per person.
    filled = _case_state(world, placed[0])[1]
    assert filled is not None
    assert planner.locator(f"a[href='/ui/transfers/{filled}']").count() >= 1
    planner.goto(f"/ui/transfers/{filled}")
    planner.click("#lock-check")
    assert "Check before you lock the manifest" in planner.locator("#check").inner_text()
    _axe(world, planner, "transfer-lock-check")
    planner.click("#lock")
    planner.wait_for_url("**done=locked")
    assert _transfer_status(world, filled) == "locked"
    _axe(world, planner, "transfer-locked")
    on_board = [r for r in placed if _case_state(world, r)[1] == filled]
    before = sum(_events(world, r) for r in on_board)
    planner.click("#depart-check")
    _axe(world, planner, "transfer-depart-check-filled")
    planner.click("#depart")
    planner.wait_for_url("**done=departed")
    assert _transfer_status(world, filled) == "departed"
    assert sum(_events(world, r) for r in on_board) == before + len(on_board)  # one departure each
    assert all(_case_state(world, r)[0] == "in_transit" for r in on_board), on_board
    _axe(world, planner, "transfer-departed")

    # --- the liaison of the transfer's hub records its arrival there: one arrival event per person.
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        hub = str(show_transfer(s, filled).hub)
    make_user(world.runtime, "hub_liaison", name="e2e-hub-liaison", hubs=[hub])
    world.users["hub_liaison"] = "e2e-hub-liaison"
    liaison = _sign_in(world, browser, "hub_liaison")
    liaison.goto(f"/ui/transfers/{filled}")
    _axe(world, liaison, "transfer-arrival")
    before = sum(_events(world, r) for r in on_board)
    liaison.click("#arrive")
    liaison.wait_for_url("**done=arrived")
    assert _transfer_status(world, filled) == "arrived"
    assert sum(_events(world, r) for r in on_board) == before + len(on_board)  # one arrival each
    assert "stay clocks have started" in liaison.locator("main").inner_text()
    _axe(world, liaison, "transfer-arrived")

    # --- the monitor verifies both hash chains.
    monitor = _sign_in(world, browser, "independent_monitor")
    monitor.click("a.govuk-service-navigation__link:has-text('Monitor')")
    _axe(world, monitor, "monitor")
    monitor.click("#verify")
    monitor.wait_for_url("**/ui/monitor/verify*")
    assert "Both chains are intact" in monitor.locator("#verification-result").inner_text()
    _axe(world, monitor, "monitor-verified")
    # The access log, filtered to one person, records what the caseworker saw: the refused form as refused.
    monitor.goto("/ui/monitor")
    monitor.fill("#reference", ON_LOCKED)
    monitor.click("button:has-text('Filter')")
    log = monitor.locator("main table").inner_text()
    assert world.users["caseworker"] in log and "Refused: the form had a problem" in log, log[:600]
    rows = [row for row in log.splitlines() if "\t" in row][1:]  # the table's rows, under its header
    assert rows and all(ON_LOCKED in row for row in rows), log[:600]
    _axe(world, monitor, "monitor-filtered")

    # --- a legal representative opens their client, and fails to open someone else's case.
    lawyer = _sign_in(world, browser, "legal_representative")
    assert CLIENT in lawyer.locator("main").inner_text()
    lawyer.goto(f"/ui/cases/{CLIENT}")
    assert "Lodge a notice" in lawyer.locator("main").inner_text()
    answer = lawyer.goto(f"/ui/cases/{NOT_A_CLIENT}")
    assert answer is not None and answer.status == 404
    assert lawyer.locator("h1").inner_text() == "Page not found"
    _axe(world, lawyer, "not-found")

    # --- an analyst reads the registers and the statistics (each chart with its table and downloads).
    analyst = _sign_in(world, browser, "analyst")
    analyst.click("a.govuk-service-navigation__link:has-text('Partners')")
    assert "GBR-MKD-ILLUSTRATIVE" in analyst.locator("main").inner_text()
    _axe(world, analyst, "partners")
    analyst.click("a:has-text('GBR-MKD-ILLUSTRATIVE')")
    analyst.wait_for_url("**/ui/agreements/GBR-MKD-ILLUSTRATIVE*")
    _axe(world, analyst, "agreement")
    analyst.goto("/ui/hubs")
    _axe(world, analyst, "hubs")
    analyst.goto("/ui/statistics")
    images = analyst.locator("main img")
    assert images.count() >= 4
    for i in range(images.count()):
        loaded = images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
        assert loaded, images.nth(i).get_attribute("src")
    _axe(world, analyst, "statistics")
    with analyst.expect_download() as download:
        analyst.locator("a[href$='.csv']").first.click()
    assert download.value.suggested_filename.endswith(".csv")

    assert world.csp_violations == []
    assert world.code_on_pages == [], "\n".join(world.code_on_pages)
    assert world.wide_pages == [], "\n".join(world.wide_pages)
    assert world.axe_violations == [], "\n".join(world.axe_violations)
    assert len(list(SCREENSHOTS.glob("*.png"))) >= 24


def test_a_caseworker_registers_a_person(world: World, browser: Browser) -> None:
    """The page form (issue 13): a person with a passport whose MRZ is checked; the same person again is
    warned of as a likely duplicate and registered only once the caseworker confirms."""
    from tests.casework.test_intake import MRZ

    before = len(world.axe_violations)
    worker = _sign_in(world, browser, "caseworker")
    worker.click("a.govuk-service-navigation__link:has-text('Caseload')")
    worker.click("a:has-text('Register a person')")
    worker.wait_for_url("**/ui/persons/new")
    _axe(world, worker, "person-new")

    def fill() -> None:
        worker.fill("#given_name", "Arben")
        worker.fill("#family_name", "Hoxha")
        worker.fill("#date_of_birth-day", "1")
        worker.fill("#date_of_birth-month", "1")
        worker.fill("#date_of_birth-year", "1990")
        worker.select_option("#sex", "M")
        worker.fill("#nationality", "Albania")
        worker.fill("#mrz", MRZ)

    fill()
    worker.fill("#date_of_birth-year", "1991")  # the passport says 1990: refused, nothing written
    worker.click("button:has-text('Register the person')")
    assert "date of birth" in worker.locator(".govuk-error-summary").inner_text()
    _axe(world, worker, "person-error")
    fill()
    worker.click("button:has-text('Register the person')")
    worker.wait_for_url("**done=registered")
    assert "The person was registered" in worker.locator(".govuk-notification-banner").inner_text()
    reference = worker.url.split("/ui/cases/")[1].split("?")[0]
    assert "Arben Hoxha" in worker.locator("h1").inner_text()

    worker.goto("/ui/persons/new")
    fill()
    worker.click("button:has-text('Register the person')")
    assert "likely the same person" in worker.locator(".govuk-error-summary").inner_text()
    assert reference in worker.locator(".govuk-warning-text").inner_text()
    _axe(world, worker, "person-duplicate")
    worker.check("#confirm_duplicate")
    worker.click("button:has-text('Register the person')")
    worker.wait_for_url("**done=registered")
    assert reference not in worker.url
    # Search finds them by any part of a name, in any case, and a nationality by name; a bad filter shows
    # the error summary in place (htmx swaps the results, refused filter included).
    worker.goto("/ui/cases")
    worker.fill("#name", "HOXH")
    worker.fill("#nationality", "Albania")
    worker.click("button:has-text('Search')")
    worker.wait_for_selector(f"#results a:has-text('{reference}')")
    _axe(world, worker, "caseload-by-name")
    worker.fill("#nationality", "Atlantis")
    worker.click("button:has-text('Search')")
    worker.wait_for_selector("#results .govuk-error-summary")
    assert "There is no country called" in worker.locator("#results .govuk-error-summary").inner_text()
    _axe(world, worker, "caseload-bad-filter")
    assert world.axe_violations[before:] == [], "\n".join(world.axe_violations[before:])
    assert world.csp_violations == []


def test_a_planner_departs_under_the_minimum_and_carries_on_a_stopped_approval(
    world: World, browser: Browser
) -> None:
    """Two of the planner's harder paths through the pages: a transfer under its minimum load departs only
    once the planner accepts the lower load (the check page says so), and a plan whose approval stopped part
    way reads as stopped, not approved, and approving it again carries it on without listing anyone twice."""
    from returnhub.core.clock import FixedClock
    from returnhub.operations import planning

    engine, clock = world.runtime.engine, world.runtime.clock
    assert isinstance(clock, FixedClock)
    before = len(world.axe_violations)
    lone = "RH9000050"
    eligible_person(engine, clock, lone)
    departs = datetime.combine(TODAY + timedelta(days=2), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=18
    )
    with unit_of_work(engine) as s:
        under = create_transfer(
            s, hub=HUB, mode="charter_flight", departs_at=departs, seats=10, min_load=5, escorts=2,
            monitor_on_board=True, clock=clock, created_by="seed",
        ).reference  # fmt: skip
        add_to_manifest(s, under, lone, clock=clock, recorded_by="seed")
    with unit_of_work(engine) as s:
        lock_manifest(s, under, clock=clock, recorded_by="seed")

    planner = _sign_in(world, browser, "operations_planner")
    planner.goto(f"/ui/transfers/{under}")
    planner.click("#depart-check")
    warning = planner.locator("#under-minimum").inner_text()
    assert "under this transfer's minimum of 5" in warning, warning
    assert planner.locator("#depart").inner_text() == "Accept the lower load and depart"
    _axe(world, planner, "transfer-depart-under-minimum")
    events = _events(world, lone)
    planner.click("#depart")
    planner.wait_for_url("**done=departed")
    assert _transfer_status(world, under) == "departed"
    assert _case_state(world, lone)[0] == "in_transit" and _events(world, lone) == events + 1

    # A plan whose approval stopped after its first family (the job's process was cut off eleven minutes ago).
    planned = ["RH9000060", "RH9000061", "RH9000062"]
    for reference in planned:
        eligible_person(engine, clock, reference)
    with unit_of_work(engine) as s:
        create_transfer(
            s, hub=HUB, mode="charter_flight", departs_at=departs + timedelta(days=1), seats=10, min_load=1,
            escorts=4, monitor_on_board=True, clock=clock, created_by="seed",
        )  # fmt: skip
        plan_id = planning.compute_plan(
            s, start=TODAY, weeks=4, clock=clock, created_by=world.users["operations_planner"], save=True
        ).plan_id
    stopped_at = FixedClock(clock.now() - planning.APPROVAL_STALE_AFTER - timedelta(minutes=1))
    with unit_of_work(engine) as s:
        families = planning.begin_approval(
            s, plan_id, clock=stopped_at, approved_by=world.users["operations_planner"]
        )
    with unit_of_work(engine) as s:
        planning.list_families(s, plan_id, families[:1], clock=stopped_at)
    with unit_of_work(engine, read_only=True) as s:
        first = planning.plan_view(s, plan_id).approval["listed"]
    assert first, "the first family was not listed before the cut-off"
    first_events = {r: _events(world, r) for r in first}

    planner.goto(f"/ui/plans/{plan_id}")
    under_way = planner.locator("#approval-under-way").inner_text()
    assert "stopped part way" in under_way and f"{len(first)} listed so far" in under_way, under_way
    assert "Approved by" not in planner.locator("main").inner_text()
    _axe(world, planner, "plan-approval-stopped")
    planner.click("a:has-text('Check and approve the plan')")
    planner.click("button:has-text('Approve the plan')")
    planner.wait_for_url("**done=approved")
    assert "Approved by" in planner.locator("main").inner_text()
    with unit_of_work(engine, read_only=True) as s:
        view = planning.plan_view(s, plan_id)
    assert view.status == "approved"
    placed = {a["person_id"] for a in view.assignments}
    assert set(view.approval["listed"]) | {r["reference"] for r in view.approval["refused"]} == placed
    assert len(view.approval["listed"]) == len(set(view.approval["listed"]))  # nobody listed twice
    assert all(_events(world, r) == n for r, n in first_events.items())  # the first family was not re-listed
    assert all(_case_state(world, r)[0] == "allocated" for r in view.approval["listed"])
    assert world.axe_violations[before:] == [], "\n".join(world.axe_violations[before:])
    assert world.code_on_pages == [], "\n".join(world.code_on_pages)
