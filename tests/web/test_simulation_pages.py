"""The simulations pages: scenario reports with fan charts, sources and the frontier, in plain words."""

from __future__ import annotations

import html
import re

from returnhub.core.runtime import Runtime
from tests.web.pages import page_client
from tests.web.plain_words import plain_words_problems


def _text(page: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body.split("<main", 1)[-1]))


def test_the_simulations_page_lists_scenarios_and_targets_in_plain_words(runtime: Runtime) -> None:
    with page_client(runtime, "analyst") as browser:
        home = browser.get("/ui/")
        assert 'href="/ui/simulations"' in home.text  # in the menu
        index = browser.get("/ui/simulations")
    assert index.status_code == 200
    assert 'href="/ui/simulations/italy_albania"' in index.text
    assert "Is there a silver bullet?" in index.text
    assert "Asylum backlog under 50,000 by 2028" in index.text
    assert plain_words_problems(_text(index.text)) == []


def test_a_scenario_report_has_fan_charts_sources_and_a_pdf(runtime: Runtime) -> None:
    with page_client(runtime, "analyst") as browser:
        report = browser.get("/ui/simulations/italy_albania")
        chart = browser.get("/ui/simulations/italy_albania/charts/backlog.svg")
        pdf = browser.get("/ui/simulations/italy_albania/report.pdf")
        missing = browser.get("/ui/simulations/atlantis")
        no_chart = browser.get("/ui/simulations/italy_albania/charts/nothing.svg")
    assert report.status_code == 200
    text = _text(report.text)
    assert "880 asylum places" in text  # as built, with its source
    assert "published figure: italy albania built places asylum" in text
    assert "€" in text and "Cost per departure" in text
    assert 'src="/ui/simulations/italy_albania/charts/cost.svg"' in report.text
    assert plain_words_problems(text) == []
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in chart.content
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert missing.status_code == 404 and no_chart.status_code == 404


def test_a_uk_report_shows_the_frontier_for_its_targets(runtime: Runtime) -> None:
    with page_client(runtime, "operations_planner") as browser:
        report = browser.get("/ui/simulations/uk_baseline")
    assert report.status_code == 200
    assert "Which mix of measures reaches a target" in report.text
    assert "Net removals +20%" in report.text
    assert "£" in report.text
    assert plain_words_problems(_text(report.text)) == []


def test_legal_representatives_do_not_see_the_simulations(runtime: Runtime) -> None:
    with page_client(runtime, "legal_representative") as browser:
        assert browser.get("/ui/simulations").status_code == 403
