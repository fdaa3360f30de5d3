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


def test_calibration_reproduces_the_fitted_series(tmp_path: Path) -> None:
    calibration = calibrate(reference=PACKAGED, reps=12)
    table = calibration.backtest
    assert set(table["year"].to_list()) == {2023, 2024}
    fitted = table.filter((pl.col("year") == 2024) & pl.col("note").str.starts_with("fitted"))
    assert fitted.height >= 4
    for row in fitted.iter_rows(named=True):
        assert abs(row["relative_error_p50"]) < 0.05, row["series"]
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


def test_missing_series_is_a_clear_error(tmp_path: Path) -> None:
    partial = tmp_path / FIGURES_FILE
    rows = pl.read_csv(PACKAGED, schema_overrides={"period": pl.Utf8})
    rows.filter(pl.col("series") != "enforced_returns").write_csv(partial)
    with pytest.raises(CalibrationError, match="enforced_returns"):
        calibrate(reference=tmp_path, reps=4)
    with pytest.raises(CalibrationError, match="not found"):
        load_published(tmp_path / "nowhere.csv")
