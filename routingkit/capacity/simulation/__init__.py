"""Discrete-event simulation of contact-centre queues and routing networks.

``simulate_queue`` runs one FCFS queue (or a batch of independent queues) over a day with a
staffing vector; ``simulate_network`` runs agents shared across queues with skills, per-media
concurrency, bullseye rings, preferred-agent rules and conditional group routing. Both report
per-interval and whole-day figures with confidence intervals over replications, using
erlang_a's service-level definitions, and give the same numbers for the same seed.
"""

from ._distributions import HandleTime, Patience
from ._kernels import COUNT_FIELDS
from ._results import Estimate, QueueFigures, SimulationResult
from .network import (
    Agent,
    BullseyeRing,
    ConditionalRule,
    NetworkResult,
    PreferredRule,
    RoutingNetwork,
    RoutingQueue,
    Workload,
    simulate_network,
)
from .queue import simulate_queue

__all__ = [
    "COUNT_FIELDS",
    "Agent",
    "BullseyeRing",
    "ConditionalRule",
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
    "simulate_network",
    "simulate_queue",
]
