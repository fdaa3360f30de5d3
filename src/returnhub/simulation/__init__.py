"""Policy simulator: what return hubs would do to backlogs, costs and removals.

Pure core: `simulate` (vectorised engine), `simulate_reference` (SimPy), `summary`, `compare`,
`calibrate`, `sweep`. The Typer sub-app lives in `returnhub.simulation.cli` (imported on demand).
"""

from returnhub.simulation.calibrate import Calibration, calibrate, load_published
from returnhub.simulation.engine import DEFAULT_BLOCK_SIZE, SimulationResult, simulate
from returnhub.simulation.errors import CalibrationError, ScenarioError, SimulationError, SweepBackendError
from returnhub.simulation.parameters import InitialCaseload, compile_scenario
from returnhub.simulation.reference_model import simulate_reference
from returnhub.simulation.results import (
    Comparison,
    compare,
    comparison_summary,
    percentile_bands,
    summary,
    write_comparison,
    write_results,
)
from returnhub.simulation.scenario import Scenario, load_scenario, scenario_from_dict
from returnhub.simulation.sweep import sweep

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "Calibration",
    "CalibrationError",
    "Comparison",
    "InitialCaseload",
    "Scenario",
    "ScenarioError",
    "SimulationError",
    "SimulationResult",
    "SweepBackendError",
    "calibrate",
    "compare",
    "comparison_summary",
    "compile_scenario",
    "load_published",
    "load_scenario",
    "percentile_bands",
    "scenario_from_dict",
    "simulate",
    "simulate_reference",
    "summary",
    "sweep",
    "write_comparison",
    "write_results",
]
