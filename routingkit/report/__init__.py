"""Plots and tables for notebooks, the papermill report runner and HTML export."""

from .runner import (
    ReportError,
    ReportResult,
    check_parameters,
    declared_parameters,
    export_html,
    record_figures,
    run_report,
)

__all__ = [
    "ReportError",
    "ReportResult",
    "check_parameters",
    "declared_parameters",
    "export_html",
    "record_figures",
    "run_report",
]
