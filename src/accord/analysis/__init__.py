"""Negotiation analysis for Accord: pure numpy/scipy/scikit-learn, no Django.

Pareto frontiers and bargaining points over negotiation packages, common ground, Adjusted
Winner, Bueno de Mesquita forecasts, a multi-dimension spatial forecast (KTAB SMP style) and
Pol.is-style opinion groups. See docs/analysis.md.
"""

from __future__ import annotations

from .bargaining import (
    all_points,
    egalitarian_points,
    kalai_smorodinsky_points,
    nash_points,
    point_summary,
    utilitarian_points,
)
from .common_ground import acceptable_packages, common_options, logrolls
from .constraints import empty_issues, nearest_problem, violations, within_acceptable
from .errors import AnalysisError, ProblemTooLarge
from .fair_division import AdjustedWinnerResult, adjusted_winner
from .forecast import ForecastResult, forecast, pairwise_median, sensitivity, weighted_mean
from .frontier import (
    Frontier,
    brute_force_frontier,
    enumerate_frontier,
    pareto_frontier,
    pareto_mask,
)
from .genius import load_genius, load_genius_dir
from .io import (
    load_problem,
    problem_from_dict,
    read_actors_csv,
    read_points_csv,
    read_problem_file,
    read_spatial_csv,
    read_votes_csv,
)
from .opinion import OpinionResult, opinion_groups
from .packages import SOLUTIONS, analyze_packages
from .problem import Issue, Party, Problem, Rectangle
from .spatial import SpatialActor, SpatialResult, spatial_forecast, spatial_sensitivity

__all__ = [
    "SOLUTIONS",
    "AdjustedWinnerResult",
    "AnalysisError",
    "ForecastResult",
    "Frontier",
    "Issue",
    "OpinionResult",
    "Party",
    "Problem",
    "ProblemTooLarge",
    "Rectangle",
    "SpatialActor",
    "SpatialResult",
    "acceptable_packages",
    "adjusted_winner",
    "all_points",
    "analyze_packages",
    "brute_force_frontier",
    "common_options",
    "egalitarian_points",
    "empty_issues",
    "enumerate_frontier",
    "forecast",
    "kalai_smorodinsky_points",
    "load_genius",
    "load_genius_dir",
    "load_problem",
    "logrolls",
    "nash_points",
    "nearest_problem",
    "opinion_groups",
    "pairwise_median",
    "pareto_frontier",
    "pareto_mask",
    "point_summary",
    "problem_from_dict",
    "read_actors_csv",
    "read_points_csv",
    "read_problem_file",
    "read_spatial_csv",
    "read_votes_csv",
    "sensitivity",
    "spatial_forecast",
    "spatial_sensitivity",
    "utilitarian_points",
    "violations",
    "weighted_mean",
    "within_acceptable",
]
