"""Calibration to the published UK series, and its back-test."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml

from returnhub.simulation.calibrate import (
    DEFAULT_REFERENCE_DIR,
    FIGURES_FILE,
    Targets,
    calibrate,
    load_published,
)
from returnhub.simulation.errors import CalibrationError

PACKAGED = Path(__file__).resolve().parents[2] / "src/returnhub/simulation/data" / FIGURES_FILE


def test_packaged_rows_are_verbatim_copies_of_the_shared_file() -> None:
    packaged = pl.read_csv(PACKAGED, schema_overrides={"period": pl.Utf8})
    assert "source" in packaged.columns
    Targets.from_frame(packaged)  # everything calibration needs is there
    shared_file = DEFAULT_REFERENCE_DIR / FIGURES_FILE
    if shared_file.is_file():
        shared = pl.read_csv(shared_file, schema_overrides={"period": pl.Utf8})
        assert packaged.join(shared, on=packaged.columns, how="anti").height == 0


def test_backtest_errors_stay_within_their_stated_bounds(tmp_path: Path) -> None:
    calibration = calibrate(reference=PACKAGED, reps=12)
    table = calibration.backtest
    # Every fitted series, through the months up to mid-May 2025, is in the table with its bound.
    series = set(zip(table["period"].to_list(), table["series"].to_list(), strict=True))
    assert ("2025-01-01 to 2025-05-15", "small-boat arrivals") in series
    assert ("2024 Jul-2025 Mar", "asylum-related returns") in series
    assert ("2024-12-31", "awaiting initial decision") in series
    assert table.filter(pl.col("fitted")).height >= 8
    for row in table.iter_rows(named=True):
        assert abs(row["relative_error_p50"]) <= row["bound"], (row["period"], row["series"])
    scenario = calibration.scenario
    assert (
        scenario.decisions.initial_capacity_per_month
        == calibration.fitted["claims_concluded_per_month"]["value"]
    )
    written = calibration.write(tmp_path / "PARAMS.yaml")
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert data["fitted"]["grant_rate"]["value"] == 0.47
    assert "initial_decision_grant_rate" in data["fitted"]["grant_rate"]["source"]
    assert len(data["backtest"]) == table.height


def test_returns_are_fitted_to_the_asylum_related_series_not_the_uk_wide_total() -> None:
    calibration = calibrate(reference=PACKAGED, reps=12)
    row = calibration.backtest.filter(
        (pl.col("period") == "2024") & (pl.col("series") == "asylum-related returns")
    ).row(0, named=True)
    # About 9,500 asylum-related returns a year are published; the UK-wide enforced total alone is 8,164.
    assert 8_500 < row["simulated_p50"] < 10_500
    assert "asylum-related" in calibration.fitted["enforced_rate_scale"]["source"]


def test_missing_series_is_a_clear_error(tmp_path: Path) -> None:
    partial = tmp_path / FIGURES_FILE
    rows = pl.read_csv(PACKAGED, schema_overrides={"period": pl.Utf8})
    rows.filter(pl.col("series") != "enforced_returns").write_csv(partial)
    with pytest.raises(CalibrationError, match="enforced_returns"):
        calibrate(reference=tmp_path, reps=4)
    with pytest.raises(CalibrationError, match="not found"):
        load_published(tmp_path / "nowhere.csv")
