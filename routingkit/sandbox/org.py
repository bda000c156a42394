"""The synthetic organisation: queues, skills, agents, teams, utilization and workload truth.

Everything is deterministic from the seed. The *pattern* (volumes, handle times, patience,
staffing) is fixed by the seed; the *dates* follow the calendar, so the history always ends on
the day the org is seeded. ``ground_truth()`` exposes the parameters the history was drawn from,
so analysis code can be checked against them.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

SLOTS_PER_DAY = 96  # 15-minute slots
SLOT_SECONDS = 900


def stable_id(seed: int, *parts: object) -> str:
    """A UUID that depends only on the seed and the parts (same org, same ids)."""
    return str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"routingkit-sandbox/{seed}/" + "/".join(map(str, parts)))
    )


@dataclass(frozen=True)
class LogNormal:
    """A lognormal time in seconds given by its mean and coefficient of variation."""

    mean_seconds: float
    cv: float

    @property
    def sigma(self) -> float:
        return math.sqrt(math.log1p(self.cv**2))

    @property
    def mu(self) -> float:
        return math.log(self.mean_seconds) - 0.5 * self.sigma**2

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.lognormal(self.mu, self.sigma, size)


@dataclass(frozen=True)
class Workload:
    """How one queue's traffic is generated (the ground truth of its history)."""

    media_type: str  # analytics vocabulary: voice, chat, email, callback, message
    weekday_volume: float  # expected offered on a Monday
    weekly: tuple[float, ...]  # multipliers Monday..Sunday
    open_hour: float  # local time the queue opens (arrivals start)
    close_hour: float
    peaks: tuple[tuple[float, float, float], ...]  # (hour, width hours, weight) of intraday bumps
    talk: LogNormal
    hold_probability: float
    hold: LogNormal
    acw: LogNormal
    alert: LogNormal
    patience_seconds: float | None  # mean of exponential patience; None: nobody abandons
    concurrency: int  # interactions one agent works at once (chat/message > 1)
    staffing_beta: float  # square-root safety factor the synthetic WFM staffed with
    transfer_probability: float

    def intraday_weights(self) -> np.ndarray:
        """Share of a day's volume in each local 15-minute slot (sums to 1)."""
        hours = (np.arange(SLOTS_PER_DAY) + 0.5) / 4.0
        shape = np.zeros(SLOTS_PER_DAY)
        for centre, width, weight in self.peaks:
            shape += weight * np.exp(-0.5 * ((hours - centre) / width) ** 2)
        shape[(hours < self.open_hour) | (hours >= self.close_hour)] = 0.0
        weights: np.ndarray = shape / shape.sum()
        return weights

    def arrival_rate(self) -> np.ndarray:
        """Calls per second for each (weekday 0=Monday, local slot): shape (7, 96)."""
        per_slot = np.outer(np.asarray(self.weekly) * self.weekday_volume, self.intraday_weights())
        rate: np.ndarray = per_slot / SLOT_SECONDS
        return rate

    @property
    def mean_handle_seconds(self) -> float:
        return (
            self.talk.mean_seconds
            + self.hold_probability * self.hold.mean_seconds
            + self.acw.mean_seconds
        )

    def staffing(self) -> np.ndarray:
        """Agents on queue per (weekday, slot): square-root rule on the true load, per seat."""
        load = self.arrival_rate() * self.mean_handle_seconds / self.concurrency
        agents = np.ceil(load + self.staffing_beta * np.sqrt(load))
        agents[load == 0] = 0
        return agents.astype(int)


@dataclass(frozen=True)
class QueueSpec:
    key: str
    name: str
    workload: Workload
    skills: tuple[str, ...]
    teams: tuple[str, ...]
    routing: str  # "standard", "bullseye", "conditional", "preferred"
    service_level: tuple[float, int]  # (percentage, duration ms)
    fallback_of: str | None = None  # key of the queue whose conditional rule names this queue
    description: str = ""
    ring_skill_group: str | None = None  # a skill group joining the bullseye's second ring


SKILLS = (
    "English",
    "Spanish",
    "French",
    "Billing",
    "Technical",
    "Sales",
    "Returns",
    "VIP",
    "Chat Etiquette",
    "Premium Support",
)

TEAMS = (
    "Support Tier 1",
    "Support Tier 2",
    "Sales Team",
    "Sales Overflow Team",
    "Billing Team",
    "Digital Team",
    "VIP Desk",
    "Back Office",
)

# Skill groups: (name, description, the routing skill and the minimum proficiency it needs).
SKILL_GROUPS = (
    ("Premium Support experts", "Agents with Premium Support at 4 or more", "Premium Support", 4),
    ("Spanish speakers", "Agents with Spanish at 3 or more", "Spanish", 3),
)

WRAPUP_CODES = ("Resolved", "Follow-up required", "Escalated", "Sale", "No sale", "Wrong queue")

_WEEK = (1.0, 0.94, 0.92, 0.9, 0.86, 0.42, 0.3)
_DAYTIME = ((10.5, 1.6, 1.0), (14.5, 1.8, 0.85), (19.0, 1.5, 0.3))


def _voice(volume: float, aht: float, patience: float, beta: float) -> Workload:
    return Workload(
        media_type="voice",
        weekday_volume=volume,
        weekly=_WEEK,
        open_hour=7.0,
        close_hour=21.0,
        peaks=_DAYTIME,
        talk=LogNormal(aht * 0.72, 0.9),
        hold_probability=0.25,
        hold=LogNormal(aht * 0.16, 1.0),
        acw=LogNormal(aht * 0.24, 0.6),
        alert=LogNormal(4.0, 0.35),
        patience_seconds=patience,
        concurrency=1,
        staffing_beta=beta,
        transfer_probability=0.04,
    )


def _digital(
    media: str,
    volume: float,
    aht: float,
    patience: float | None,
    slots: int,
    beta: float,
    hours: tuple[float, float] = (7.0, 22.0),
) -> Workload:
    return Workload(
        media_type=media,
        weekday_volume=volume,
        weekly=_WEEK,
        open_hour=hours[0],
        close_hour=hours[1],
        peaks=_DAYTIME,
        talk=LogNormal(aht * 0.85, 0.8),
        hold_probability=0.0,
        hold=LogNormal(1.0, 0.5),
        acw=LogNormal(aht * 0.15, 0.5),
        alert=LogNormal(3.0, 0.3),
        patience_seconds=patience,
        concurrency=slots,
        staffing_beta=beta,
        transfer_probability=0.02,
    )


def queue_specs() -> tuple[QueueSpec, ...]:
    """The dozen queues of the synthetic org (deterministic; the seed only changes ids)."""
    return (
        QueueSpec(
            "support_voice",
            "Support - Voice",
            _voice(1400, 330, 150, 0.9),
            ("English", "Technical"),
            ("Support Tier 1", "Support Tier 2"),
            "bullseye",
            (0.8, 20000),
            description="Tier 1 support line, bullseye on technical skill",
        ),
        QueueSpec(
            "support_chat",
            "Support - Chat",
            _digital("chat", 650, 480, 240, 3, 0.6),
            ("English", "Chat Etiquette"),
            ("Digital Team",),
            "standard",
            (0.8, 60000),
        ),
        QueueSpec(
            "support_email",
            "Support - Email",
            _digital("email", 260, 540, None, 1, 0.4, (8.0, 18.0)),
            ("English",),
            ("Back Office",),
            "standard",
            (0.9, 14_400_000),
        ),
        QueueSpec(
            "sales_voice",
            "Sales - Voice",
            _voice(800, 280, 90, 0.3),
            ("English", "Sales"),
            ("Sales Team",),
            "conditional",
            (0.8, 20000),
            description="Pulls in the overflow team when waits grow",
        ),
        QueueSpec(
            "sales_overflow",
            "Sales - Overflow",
            _voice(260, 300, 110, 1.2),
            ("Sales",),
            ("Sales Overflow Team",),
            "standard",
            (0.8, 30000),
            fallback_of="sales_voice",
        ),
        QueueSpec(
            "billing_voice",
            "Billing - Voice",
            _voice(700, 360, 180, 0.7),
            ("Billing",),
            ("Billing Team",),
            "bullseye",
            (0.8, 30000),
        ),
        QueueSpec(
            "billing_message",
            "Billing - Message",
            _digital("message", 300, 600, 900, 4, 0.5),
            ("Billing",),
            ("Digital Team", "Billing Team"),
            "standard",
            (0.8, 120000),
        ),
        QueueSpec(
            "callbacks",
            "Callbacks",
            _digital("callback", 160, 300, None, 1, 0.5, (8.0, 20.0)),
            ("English",),
            ("Support Tier 1",),
            "standard",
            (0.8, 600000),
        ),
        QueueSpec(
            "technical_voice",
            "Technical - Voice",
            _voice(450, 540, 200, 0.8),
            ("Technical", "Premium Support"),
            ("Support Tier 2",),
            "bullseye",
            (0.8, 30000),
            ring_skill_group="Premium Support experts",
        ),
        QueueSpec(
            "technical_chat",
            "Technical - Chat",
            _digital("chat", 280, 720, 300, 2, 0.6),
            ("Technical", "Chat Etiquette"),
            ("Digital Team", "Support Tier 2"),
            "conditional",
            (0.8, 60000),
        ),
        QueueSpec(
            "vip_voice",
            "VIP - Voice",
            _voice(220, 420, 240, 1.5),
            ("VIP", "English"),
            ("VIP Desk",),
            "preferred",
            (0.9, 10000),
        ),
        QueueSpec(
            "returns_email",
            "Returns - Email",
            _digital("email", 260, 420, None, 1, 0.4, (8.0, 18.0)),
            ("Returns",),
            ("Back Office",),
            "standard",
            (0.8, 28_800_000),
        ),
    )


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    email: str
    team: str
    skills: tuple[tuple[str, float], ...]  # (skill name, proficiency 0-5)
    language: str


@dataclass
class OrgSpec:
    seed: int
    time_zone: str
    queues: tuple[QueueSpec, ...]
    agents: tuple[Agent, ...]
    queue_ids: dict[str, str] = field(default_factory=dict)
    skill_ids: dict[str, str] = field(default_factory=dict)
    team_ids: dict[str, str] = field(default_factory=dict)  # teams (/api/v2/teams)
    group_ids: dict[str, str] = field(default_factory=dict)  # groups of the same names
    skillgroup_ids: dict[str, str] = field(default_factory=dict)
    wrapup_ids: dict[str, str] = field(default_factory=dict)
    division_id: str = ""
    org_id: str = ""  # the organisation itself (GET /api/v2/organizations/me)


_FIRST = (
    "Ava",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
)
_LAST = (
    "Adams",
    "Brennan",
    "Castro",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Murphy",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quinlan",
    "Rossi",
    "Silva",
    "Tanaka",
    "Uddin",
    "Varga",
    "Walsh",
    "Xu",
    "Young",
    "Zhou",
)

# agents per team
_TEAM_SIZES = {
    "Support Tier 1": 34,
    "Support Tier 2": 22,
    "Sales Team": 20,
    "Sales Overflow Team": 10,
    "Billing Team": 22,
    "Digital Team": 22,
    "VIP Desk": 8,
    "Back Office": 12,
}

_TEAM_SKILLS = {
    "Support Tier 1": ("English", "Technical"),
    "Support Tier 2": ("English", "Technical", "Premium Support"),
    "Sales Team": ("English", "Sales"),
    "Sales Overflow Team": ("Sales",),
    "Billing Team": ("Billing", "English"),
    "Digital Team": ("English", "Chat Etiquette", "Billing", "Technical"),
    "VIP Desk": ("VIP", "English", "Premium Support"),
    "Back Office": ("English", "Returns", "Billing"),
}


def build_org(seed: int, time_zone: str = "America/Chicago") -> OrgSpec:
    """The synthetic org for ``seed``: ids, agents and their skills are drawn from the seed."""
    rng = np.random.default_rng([seed, 1])
    agents = []
    index = 0
    for team, size in _TEAM_SIZES.items():
        for _ in range(size):
            first = _FIRST[index % len(_FIRST)]
            last = _LAST[(index * 7 + int(rng.integers(0, 26))) % len(_LAST)]
            language = (
                "Spanish" if rng.random() < 0.18 else ("French" if rng.random() < 0.06 else "")
            )
            skills = [(s, float(np.round(rng.uniform(2.0, 5.0), 1))) for s in _TEAM_SKILLS[team]]
            if language:
                skills.append((language, float(np.round(rng.uniform(3.0, 5.0), 1))))
            name = f"{first} {last}"
            agents.append(
                Agent(
                    id=stable_id(seed, "user", index),
                    name=name,
                    email=f"{first.lower()}.{last.lower()}{index}@sandbox.example.com",
                    team=team,
                    skills=tuple(skills),
                    language=language,
                )
            )
            index += 1
    org = OrgSpec(seed=seed, time_zone=time_zone, queues=queue_specs(), agents=tuple(agents))
    org.org_id = stable_id(seed, "organization")
    org.division_id = stable_id(seed, "division", "home")
    org.queue_ids = {q.key: stable_id(seed, "queue", q.key) for q in org.queues}
    org.skill_ids = {s: stable_id(seed, "skill", s) for s in SKILLS}
    org.team_ids = {t: stable_id(seed, "team", t) for t in TEAMS}
    org.group_ids = {t: stable_id(seed, "group", t) for t in TEAMS}
    org.skillgroup_ids = {g[0]: stable_id(seed, "skillgroup", g[0]) for g in SKILL_GROUPS}
    org.wrapup_ids = {w: stable_id(seed, "wrapup", w) for w in WRAPUP_CODES}
    return org


def ground_truth(org: OrgSpec, start_date: str, days: int) -> dict[str, Any]:
    """The parameters the history was drawn from, per queue and media type (JSON-ready).

    ``arrival_rate_per_second[weekday][slot]`` is local time (``time_zone``), Monday = 0, 96
    fifteen-minute slots; handle components are lognormal (mean, cv) in seconds; patience is
    exponential with the given mean (null: nobody abandons); staffing is agents on queue per
    slot, each working ``concurrency`` interactions at once.
    """
    queues = []
    for q in org.queues:
        w = q.workload
        queues.append(
            {
                "queue_id": org.queue_ids[q.key],
                "queue_name": q.name,
                "media_type": w.media_type,
                "arrival_rate_per_second": w.arrival_rate().round(9).tolist(),
                "expected_offered_per_weekday": [v * w.weekday_volume for v in w.weekly],
                "talk": asdict(w.talk),
                "hold_probability": w.hold_probability,
                "hold": asdict(w.hold),
                "acw": asdict(w.acw),
                "alert": asdict(w.alert),
                "mean_handle_seconds": w.mean_handle_seconds,
                "patience_seconds": w.patience_seconds,
                "concurrency": w.concurrency,
                "staffing": w.staffing().tolist(),
                "service_level": {
                    "percentage": q.service_level[0],
                    "duration_ms": q.service_level[1],
                },
                "transfer_probability": w.transfer_probability,
            }
        )
    return {
        "seed": org.seed,
        "time_zone": org.time_zone,
        "start_date": start_date,
        "days": days,
        "slot_seconds": SLOT_SECONDS,
        "notes": (
            "Handle time = talk + hold (with hold_probability) + acw. Waits come from a FCFS "
            "multi-server simulation with the staffing shown; abandonment only while queued. "
            "Metrics are attributed to the 15-minute interval in which the interaction entered "
            "the queue."
        ),
        "queues": queues,
    }
