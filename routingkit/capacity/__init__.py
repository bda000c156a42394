"""Queueing mathematics for contact-centre staffing: Erlang B, C and A, square-root staffing,
and discrete-event simulation of queues and routing networks.

Pure functions on numbers and numpy arrays (no I/O). Units are explicit: ``traffic`` in Erlangs
(arrival rate x AHT), ``arrival_rate`` per second, every time in seconds. Functions broadcast like
numpy ufuncs and return Python scalars for scalar input.

Supported range: agent counts up to ``MAX_AGENTS`` = 2**53, traffic up to ``MAX_TRAFFIC`` = 1e7
Erlangs and, for Erlang A, arrival rate x patience up to ``MAX_PATIENCE_LOAD`` = 1e8 and
patience / aht within 1e-9 to ``MAX_PATIENCE_RATIO`` = 1e9. Inputs beyond raise ``ValueError``
naming the argument (and row); nothing loops without bound.
"""

from ._inputs import MAX_AGENTS, MAX_PATIENCE_LOAD, MAX_PATIENCE_RATIO, MAX_TRAFFIC
from .erlang import asa, erlang_b, erlang_c, occupancy, service_level
from .erlang_a import SERVICE_LEVEL_DEFINITIONS, ErlangAResult, erlang_a
from .simulation import (
    COUNT_FIELDS,
    Agent,
    BullseyeRing,
    ConditionalRule,
    Estimate,
    HandleTime,
    NetworkResult,
    Patience,
    PreferredRule,
    QueueFigures,
    RoutingNetwork,
    RoutingQueue,
    SimulationResult,
    Workload,
    simulate_network,
    simulate_queue,
)
from .staffing import (
    halfin_whitt_beta,
    required_agents,
    scheduled_agents,
    sqrt_staffing,
)

__all__ = [
    "COUNT_FIELDS",
    "MAX_AGENTS",
    "MAX_PATIENCE_LOAD",
    "MAX_PATIENCE_RATIO",
    "MAX_TRAFFIC",
    "SERVICE_LEVEL_DEFINITIONS",
    "Agent",
    "BullseyeRing",
    "ConditionalRule",
    "ErlangAResult",
    "Estimate",
    "HandleTime",
    "NetworkResult",
    "Patience",
    "PreferredRule",
    "QueueFigures",
    "RoutingNetwork",
    "RoutingQueue",
    "SimulationResult",
    "Workload",
    "asa",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "halfin_whitt_beta",
    "occupancy",
    "required_agents",
    "scheduled_agents",
    "service_level",
    "simulate_network",
    "simulate_queue",
    "sqrt_staffing",
]
