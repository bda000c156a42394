"""Queueing mathematics for contact-centre staffing: Erlang B, C and A, square-root staffing.

Pure functions on numbers and numpy arrays (no I/O). Units are explicit: ``traffic`` in Erlangs
(arrival rate x AHT), ``arrival_rate`` per second, every time in seconds. Functions broadcast like
numpy ufuncs and return Python scalars for scalar input.
"""

from .erlang import asa, erlang_b, erlang_c, occupancy, service_level
from .erlang_a import SERVICE_LEVEL_DEFINITIONS, ErlangAResult, erlang_a
from .staffing import (
    halfin_whitt_beta,
    required_agents,
    scheduled_agents,
    sqrt_staffing,
)

__all__ = [
    "SERVICE_LEVEL_DEFINITIONS",
    "ErlangAResult",
    "asa",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "halfin_whitt_beta",
    "occupancy",
    "required_agents",
    "scheduled_agents",
    "service_level",
    "sqrt_staffing",
]
