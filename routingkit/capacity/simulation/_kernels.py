"""The compiled loops of the simulators: one file, so that numba's on-disk cache of every
function is invalidated together whenever anything here changes (numba checks only the source
file of the function it caches, and these functions share the tally layout defined below).

Single queue (``simulate_fcfs``: FCFS, N agents per interval, reneging). Arrivals are
processed in arrival order. Under FCFS a caller's fate depends only on the callers before them,
so each arrival takes the agent who can start soonest, found at the top of a min-heap of agent
availability times, or hangs up if that start is beyond their patience. A caller who
hangs up consumes no agent time, so nothing after them changes: the recursion is exact for
M/M/N+G and G/G/N+G with FCFS (Baccelli & Hebuterne 1981, "On queues with impatient
customers"; the virtual-waiting-time argument).

Time-varying staffing: agent k is on shift in interval s iff k < staffing[s]. An agent finishes
a call that runs past the end of their shift; an agent who is off shift becomes available again
at the start of their next on-shift interval. Ties among idle agents go to the longest idle
(smallest availability time), as an ACD does. Beyond the last interval the last interval's
staffing continues, so callers still waiting at the end of the day are answered or hang up.

Routing network (``run_network``). It reads the network as ``NetworkArrays`` (a NamedTuple of
arrays, documented field by field) and one replication's ``Arrivals``, and keeps its state in a
``_State``; each step of the event loop is a function compiled into the loop. Events (kinds in
``Event``): arrivals (pre-sorted, merged with the heap), interval starts (agents coming on
shift), completions, abandonments, eligibility stages (bullseye rings opening, preferred-agent
rules timing out) and conditional group routing rule evaluations. Stale events (for an
interaction already answered or gone) are dropped when popped.

How the steps are written, and why (benchmarks/bench_simulation.py measures it): a function
compiled into its caller (``jit_inline``) receives a copy of each argument, and copying a
NamedTuple takes a reference on every array in it, an atomic increment now and a decrement when
the copy dies. numba removes such pairs only where it sees both ends without a branch or loop
between them. So each step reads the arrays it needs from the tuples in its first lines, before
any branch, and hands arrays (never tuples) to the building blocks; and no two steps taking the
tuples are the two arms of one ``if`` (LLVM would hoist their increments above the ``if``, out of
numba's reach). Holding the tuples across a branch made the routing network 2-8x slower.

Invariant: no agent who is on shift and can accept a media type is eligible for a waiting
interaction of that type. It holds because every change that could break it (an agent freeing
capacity or coming on shift, an interaction reaching a new stage or rule) triggers a match at
once; so an arriving interaction may take any free eligible agent without jumping the queue.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from .._inputs import BoolArray, FloatArray, IntArray
from ._compile import jit, jit_inline

# Tallies per replication and interval (columns of SimulationResult.tallies).
COUNT_FIELDS: tuple[str, ...] = (
    "offered",  # arrivals
    "answered",
    "abandoned",  # hung up before answer (and, with no patience, never answered by the end)
    "answered_in_target",  # answered with wait <= target_seconds
    "abandoned_in_target",  # abandoned with wait <= target_seconds
    "short_abandoned",  # abandoned with wait <= short_abandon_seconds
    "delayed",  # found every eligible agent busy on arrival
    "wait_answered_seconds",  # summed waits of answered calls
    "wait_seconds",  # summed waits of every call (to answer or to hang-up)
    "busy_seconds",  # agent time spent handling, split over the intervals it falls in
    "staffed_seconds",  # agents on shift x interval length
)
(
    OFFERED,
    ANSWERED,
    ABANDONED,
    ANSWERED_IN_TARGET,
    ABANDONED_IN_TARGET,
    SHORT_ABANDONED,
    DELAYED,
    WAIT_ANSWERED,
    WAIT_ALL,
    BUSY,
    STAFFED,
) = range(len(COUNT_FIELDS))
N_COUNTS = len(COUNT_FIELDS)


# --- single queue ---------------------------------------------------------------------------


@jit_inline
def _next_on(
    k: int, t: float, staffing: np.ndarray, nxt: np.ndarray, dt: float, inv_dt: float
) -> float:
    """Earliest time >= t at which agent k is on shift (inf if never again)."""
    n_int = staffing.shape[0]
    s = int(t * inv_dt)
    if s >= n_int:
        s = n_int - 1
    if staffing[s] > k:
        return t
    s2 = nxt[k, s]
    if s2 >= n_int:
        return np.inf
    # never earlier than t, even where rounding puts t a hair past the shift start
    return s2 * dt if s2 * dt > t else t


@jit_inline
def _replace_top(keys: np.ndarray, ids: np.ndarray, n: int, key: float, ident: int) -> None:
    """Replace the heap's root by (key, ident) and restore the heap.

    Bottom-up (Floyd): move the hole down to a leaf along the smaller children, with no data
    dependent branch, then sift the new key up. The new key is an agent's next free time,
    usually among the largest, so the sift-up rarely moves: this avoids most of the branch
    mispredictions of the textbook sift-down, which dominate at 20 agents.
    """
    i = 0
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        right = child + 1
        if right < n:
            child += keys[right] < keys[child]
        keys[i] = keys[child]
        ids[i] = ids[child]
        i = child
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        ids[i] = ids[parent]
        i = parent
    keys[i] = key
    ids[i] = ident


@jit_inline
def _add_busy(out: np.ndarray, start: float, stop: float, dt: float, inv_dt: float) -> None:
    """Spread agent busy time [start, stop) over the intervals it falls in (within the day)."""
    n_int = out.shape[0]
    a = start
    s = int(a * inv_dt)
    if s < n_int and stop <= (s + 1) * dt and a >= s * dt:  # the common case: one interval
        out[s, BUSY] += stop - a
        return
    while a < stop:
        s = int(a * inv_dt)
        end = (s + 1) * dt
        if end <= a:  # rounding put a on the boundary
            s += 1
            end = (s + 1) * dt
        if s >= n_int:
            return
        b = stop if stop < end else end
        out[s, BUSY] += b - a
        a = b


@jit
def simulate_fcfs(
    exps: np.ndarray,
    handle: np.ndarray,
    patience: np.ndarray,
    has_patience: bool,
    rates: np.ndarray,
    staffing: np.ndarray,
    dt: float,
    target: float,
    short: float,
    out: np.ndarray,
) -> int:
    """One replication of one queue; tallies into ``out`` (intervals x COUNT_FIELDS, zeroed).

    ``exps`` are unit exponentials turned into Poisson arrivals with the piecewise-constant
    ``rates`` (per second) by the time-change theorem: the j-th arrival is where the integrated
    rate reaches the sum of the first j. ``handle`` and ``patience`` hold one draw per arrival.
    Returns the number of arrivals, or -1 when the buffers were too short (draw more, retry).
    """
    n_int = rates.shape[0]
    n_buf = exps.shape[0]
    inv_dt = 1.0 / dt
    n_agents = 0
    for s in range(n_int):
        out[s, STAFFED] = staffing[s] * dt
        if staffing[s] > n_agents:
            n_agents = staffing[s]
    # nxt[k, s]: first interval >= s in which agent k is on shift (n_int if none)
    nxt = np.empty((n_agents, n_int), dtype=np.int64)
    for k in range(n_agents):
        nx = n_int
        for s in range(n_int - 1, -1, -1):
            if staffing[s] > k:
                nx = s
            nxt[k, s] = nx
    keys = np.empty(n_agents)
    for k in range(n_agents):
        keys[k] = _next_on(k, 0.0, staffing, nxt, dt, inv_dt)
    order = np.argsort(keys)  # a sorted array is a valid heap
    ids = order.astype(np.int64)
    keys = keys[order]
    horizon = n_int * dt

    # Tallies of the current interval live in locals and are flushed when the interval ends:
    # arrivals come in interval order, and this keeps the hot loop out of memory.
    n_off = 0
    n_ab = 0
    n_ans_in = 0
    n_ab_in = 0
    n_short = 0
    n_delayed = 0
    wait_ans = 0.0
    wait_ab = 0.0
    t = 0.0
    s = 0
    j = 0
    e = float(exps[0])
    inv_lam = 1.0 / rates[0] if rates[0] > 0.0 else 0.0
    while s < n_int:
        lam = rates[s]
        end = (s + 1) * dt
        room = (end - t) * lam
        if lam <= 0.0 or e >= room:
            e -= room
            t = end
            out[s, OFFERED] = n_off
            out[s, ANSWERED] = n_off - n_ab
            out[s, ABANDONED] = n_ab
            out[s, ANSWERED_IN_TARGET] = n_ans_in
            out[s, ABANDONED_IN_TARGET] = n_ab_in
            out[s, SHORT_ABANDONED] = n_short
            out[s, DELAYED] = n_delayed
            out[s, WAIT_ANSWERED] = wait_ans
            out[s, WAIT_ALL] = wait_ans + wait_ab
            n_off = n_ab = n_ans_in = n_ab_in = n_short = n_delayed = 0
            wait_ans = wait_ab = 0.0
            s += 1
            if s < n_int and rates[s] > 0.0:
                inv_lam = 1.0 / rates[s]
            continue
        t += e * inv_lam
        # --- arrival j at time t in interval s ---
        if n_agents == 0:
            start = np.inf
            k = -1
        else:
            while True:
                key = keys[0]
                k = ids[0]
                if key >= t:
                    start = key
                    break
                if staffing[s] > k:
                    start = t
                    break
                _replace_top(keys, ids, n_agents, _next_on(k, t, staffing, nxt, dt, inv_dt), k)
        wait = start - t
        limit = float(patience[j]) if has_patience else np.inf
        n_off += 1
        if wait > limit or start == np.inf:
            gone = limit if limit < np.inf else max(horizon - t, 0.0)
            n_ab += 1
            n_delayed += 1
            n_ab_in += gone <= target
            n_short += gone <= short
            wait_ab += gone
        else:
            n_delayed += wait > 0.0
            n_ans_in += wait <= target
            wait_ans += wait
            free = start + float(handle[j])
            _add_busy(out, start, free, dt, inv_dt)
            _replace_top(keys, ids, n_agents, _next_on(k, free, staffing, nxt, dt, inv_dt), k)
        j += 1
        if j >= n_buf:
            return -1
        e = float(exps[j])
    return j


# --- routing network: vocabulary ---------------------------------------------------------------


class Status(IntEnum):
    """Where an interaction is (``_State.status``)."""

    NOT_ARRIVED = 0  # the status array starts zeroed
    WAITING = 1
    ANSWERED = 2
    ABANDONED = 3


class Event(IntEnum):
    """Kinds of scheduled event. An event's heap code packs the kind into its low
    ``EVENT_KIND_BITS`` bits and, above them, the interval (INTERVAL) or the interaction."""

    INTERVAL = 0  # an interval starts: shifts change
    DONE = 1  # an agent finishes an interaction
    ABANDON = 2  # a waiting interaction's patience runs out
    STAGE = 3  # a waiting interaction reaches its next eligibility stage
    RULE = 4  # a waiting interaction's next conditional routing rule is due


EVENT_KIND_BITS = 3
EVENT_KIND_MASK = (1 << EVENT_KIND_BITS) - 1


class Cause(IntEnum):
    """Why the event loop tries to route an interaction now."""

    ARRIVAL = 0
    STAGE = 1
    RULE = 2


class RuleMetric(IntEnum):
    """What a conditional group routing rule reads (``NetworkArrays.rule_metric``)."""

    ESTIMATED_WAIT_TIME = 0
    SERVICE_LEVEL = 1


class RuleOperator(IntEnum):
    """How a conditional group routing rule compares (``NetworkArrays.rule_operator``)."""

    GREATER_THAN = 0
    GREATER_THAN_OR_EQUAL_TO = 1
    LESS_THAN = 2
    LESS_THAN_OR_EQUAL_TO = 3


NEVER = 1 << 30  # "no stage makes this agent eligible"
SL_WINDOW_MINUTES = 30


# --- routing network: inputs and state ---------------------------------------------------------


class NetworkArrays(NamedTuple):
    """A routing network compiled to arrays: what ``run_network`` reads, built once per
    ``simulate_network`` call by ``_network_arrays.compile_network``.

    Shapes use C classes (one per workload), K stages, R rules, Q queues, A agents, M media
    types and S intervals. A ragged list per row is a flat array with a pointer array: row x's
    entries are ``flat[ptr[x]:ptr[x + 1]]``. Defined here, beside the kernel that reads it,
    so that numba's cache of the kernel is invalidated whenever this layout changes.
    """

    # classes
    class_queue: IntArray  # (C,) the workload's queue
    class_media: IntArray  # (C,) its media type
    class_key_offset: FloatArray  # (C,) seconds its priority takes off the routing key
    # eligibility stages: bullseye rings, preferred-agent rules, or one stage
    n_stages: IntArray  # (C,)
    stage_opens: FloatArray  # (C, K) seconds after arrival when stage k opens (inf: never)
    stage_ptr: IntArray  # (C * K + 1,) row c * K + k: the agents eligible at stage k
    stage_agent: IntArray  # agent
    stage_score: FloatArray  # its selection score (summed proficiency for BEST, else 0)
    # conditional group routing rules
    n_rules: IntArray  # (C,)
    rule_after: FloatArray  # (C, R) seconds after arrival when rule r is evaluated
    rule_metric: IntArray  # (C, R) a RuleMetric
    rule_operator: IntArray  # (C, R) a RuleOperator
    rule_value: FloatArray  # (C, R) the condition value
    rule_queue: IntArray  # (C, R) the queue whose metric the rule reads
    rule_ptr: IntArray  # (C * R + 1,) row c * R + r: the agents rule r adds
    rule_agent: IntArray  # agent
    rule_score: FloatArray  # its selection score
    # queues
    queue_aht: FloatArray  # (Q,) mean handle seconds, weighted by expected arrivals
    queue_seats: FloatArray  # (Q, S) seats of on-shift members for the queue's main media type
    queue_target: FloatArray  # (Q,) service-level target seconds
    # agents
    capacity: IntArray  # (A, M) concurrent interactions per media type
    interruptible: BoolArray  # (A, M, M) [a, in progress, offered]: may still be offered
    on_shift: BoolArray  # (A, S)
    agent_class_ptr: IntArray  # (A + 1,) row a: the classes agent a may ever take
    agent_class: IntArray  # class
    agent_min_stage: IntArray  # first stage at which the agent is eligible (NEVER: none)
    agent_rule_mask: IntArray  # bit r: rule r of that class adds the agent


class Arrivals(NamedTuple):
    """One replication's interactions, in arrival order (N of them)."""

    times: FloatArray  # (N,) arrival seconds, increasing
    classes: IntArray  # (N,) class (workload)
    handle: FloatArray  # (N,) handle seconds
    patience: FloatArray  # (N,) seconds before hanging up (inf: never)
    order: IntArray  # (N,) order[order_ptr[c]:order_ptr[c + 1]]: class c's arrivals in order
    order_ptr: IntArray  # (C + 1,)


class _State(NamedTuple):
    """The changing state of one replication (built by ``_new_state``)."""

    # interactions (N)
    status: npt.NDArray[np.int8]  # a Status
    stage: IntArray  # eligibility stage reached
    active: IntArray  # bit r: conditional rule r held when evaluated
    next_rule: IntArray  # first rule not yet evaluated
    agent_of: IntArray  # who answered (-1: nobody)
    arrival_interval: IntArray  # interval of arrival (the last one for later arrivals)
    # classes (C): arrivals order[order_ptr[c] + head[c]:... + tail[c]] may be waiting
    head: IntArray
    tail: IntArray
    # queues (Q)
    waiting: IntArray
    # agents (A) and media (M)
    load: IntArray  # (A, M) interactions in progress
    total: IntArray  # (A,) all media
    avail: BoolArray  # (A, M) on shift and may be offered media m now
    n_free: IntArray  # (M,) agents available for media m
    last: FloatArray  # (A,) time of the last assignment or completion
    busy_since: FloatArray  # (A,) start of the current busy spell
    pending: IntArray  # (A + 1,) agents to offer work to after the current event
    # the 30-minute service-level window per queue (size 0 when no rule reads it)
    sl_minute: IntArray  # (Q, SL_WINDOW_MINUTES) the minute each bucket holds
    sl_count: IntArray  # answered + abandoned in that minute
    sl_in_target: IntArray  # answered within target in that minute
    # event heap: times and codes (see Event); its size is passed along as a plain int
    heap_time: FloatArray
    heap_code: IntArray


# --- routing network: the event heap (also merges the arrival streams) -----------------------


@jit_inline
def _push(ht: np.ndarray, hc: np.ndarray, n: int, t: float, code: int) -> int:
    """Add (t, code) to the binary min-heap of size n; returns the new size."""
    if n >= ht.shape[0]:  # cannot happen (see the bound in _new_state); never write past it
        raise RuntimeError("routingkit simulation: event heap overflow (a bug; please report)")
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        if ht[parent] <= t:
            break
        ht[i] = ht[parent]
        hc[i] = hc[parent]
        i = parent
    ht[i] = t
    hc[i] = code
    return n + 1


@jit_inline
def _pop(ht: np.ndarray, hc: np.ndarray, n: int) -> int:
    """Remove the root (read it first); returns the new size."""
    n -= 1
    if n == 0:
        return 0
    t = ht[n]
    code = hc[n]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        right = child + 1
        if right < n and ht[right] < ht[child]:
            child = right
        if ht[child] >= t:
            break
        ht[i] = ht[child]
        hc[i] = hc[child]
        i = child
    ht[i] = t
    hc[i] = code
    return n


# --- routing network: arrivals -----------------------------------------------------------------


@jit
def poisson_arrivals(exps: np.ndarray, rates: np.ndarray, dt: float, out: np.ndarray) -> int:
    """Arrival times of a Poisson process with piecewise-constant ``rates`` (per second).

    Time change: the j-th arrival is where the integrated rate reaches exps[0] + ... + exps[j].
    Writes the times into ``out``; returns their number, or -1 if ``exps`` ran out.
    """
    n_int = rates.shape[0]
    n_buf = exps.shape[0]
    t = 0.0
    s = 0
    j = 0
    e = float(exps[0])
    while s < n_int:
        lam = rates[s]
        end = (s + 1) * dt
        room = (end - t) * lam
        if lam <= 0.0 or e >= room:
            e -= room
            t = end
            s += 1
            continue
        t += e / lam
        out[j] = t
        j += 1
        if j >= n_buf:
            return -1
        e = float(exps[j])
    return j


@jit
def merge_arrivals(times: np.ndarray, ptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge per-class sorted arrival times (class c in times[ptr[c]:ptr[c+1]]).

    Returns (perm, order): the merged sequence is times[perm]; order[j] is the merged position
    of times[j], so order[ptr[c]:ptr[c+1]] lists class c's arrivals in time order.
    """
    n = times.shape[0]
    n_cls = ptr.shape[0] - 1
    heads = ptr[:-1].copy()
    ht = np.empty(n_cls + 1)
    hc = np.empty(n_cls + 1, dtype=np.int64)
    hn = 0
    for c in range(n_cls):
        if heads[c] < ptr[c + 1]:
            hn = _push(ht, hc, hn, times[heads[c]], c)
    perm = np.empty(n, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    k = 0
    while hn > 0:
        c = hc[0]
        hn = _pop(ht, hc, hn)
        j = heads[c]
        perm[k] = j
        order[j] = k
        k += 1
        heads[c] = j + 1
        if j + 1 < ptr[c + 1]:
            hn = _push(ht, hc, hn, times[j + 1], c)
    return perm, order


# --- routing network: building blocks ----------------------------------------------------------
#
# These take the arrays they touch, not the NamedTuples (see "How the steps are written" above).


@jit_inline
def _event_code(ident: int, kind: int) -> int:
    """The heap code of event ``kind`` (an Event) of ``ident`` (an interval or interaction)."""
    return (ident << EVENT_KIND_BITS) + kind


@jit_inline
def _refresh(
    a: int,
    on_now: bool,
    cap: np.ndarray,
    intr: np.ndarray,
    load: np.ndarray,
    avail: np.ndarray,
    n_free: np.ndarray,
) -> None:
    """avail[a, m]: agent a is on shift and can be offered media m now (capacity left, and
    every media type in progress may be interrupted by m); n_free[m] counts such agents."""
    n_media = cap.shape[1]
    for m in range(n_media):
        ok = on_now and load[a, m] < cap[a, m]
        if ok:
            for m2 in range(n_media):
                if m2 != m and load[a, m2] > 0 and not intr[a, m2, m]:
                    ok = False
                    break
        if ok != avail[a, m]:
            n_free[m] += 1 if ok else -1
            avail[a, m] = ok


@jit_inline
def _add_agent_busy(busy: np.ndarray, a: int, start: float, stop: float, dt: float) -> None:
    """Spread agent a's busy spell [start, stop) over the intervals it falls in (within the day)."""
    n_int = busy.shape[1]
    x = start
    while x < stop:
        s = int(x / dt)
        end = (s + 1) * dt
        if end <= x:
            s += 1
            end = (s + 1) * dt
        if s >= n_int:
            return
        y = stop if stop < end else end
        busy[a, s] += y - x
        x = y


@jit_inline
def _sl_add(
    sl_minute: np.ndarray,
    sl_count: np.ndarray,
    sl_in_target: np.ndarray,
    q: int,
    t: float,
    in_target: bool,
) -> None:
    """Count an interaction of queue q that stopped waiting at t in the service-level window
    (one bucket per minute, reused 30 minutes later; none when no rule reads it)."""
    if sl_minute.shape[0] == 0:
        return
    minute = int(t / 60.0)
    b = minute % SL_WINDOW_MINUTES
    if sl_minute[q, b] != minute:
        sl_minute[q, b] = minute
        sl_count[q, b] = 0
        sl_in_target[q, b] = 0
    sl_count[q, b] += 1
    if in_target:
        sl_in_target[q, b] += 1


@jit_inline
def _sl_value(
    sl_minute: np.ndarray, sl_count: np.ndarray, sl_in_target: np.ndarray, q: int, t: float
) -> float:
    """Answered within target / (answered + abandoned) over the last 30 minutes (1 if none)."""
    minute = int(t / 60.0)
    n = 0
    ok = 0
    for b in range(SL_WINDOW_MINUTES):
        if sl_minute[q, b] > minute - SL_WINDOW_MINUTES:
            n += sl_count[q, b]
            ok += sl_in_target[q, b]
    if n == 0:
        return 1.0
    return ok / n


@jit_inline
def _rule_holds(op: int, value: float, v: float) -> bool:
    """``value op v`` for a RuleOperator op."""
    if op == RuleOperator.GREATER_THAN:
        return value > v
    if op == RuleOperator.GREATER_THAN_OR_EQUAL_TO:
        return value >= v
    if op == RuleOperator.LESS_THAN:
        return value < v
    if op == RuleOperator.LESS_THAN_OR_EQUAL_TO:
        return value <= v
    return False


@jit_inline
def _pick(
    lo: int,
    hi: int,
    agents: np.ndarray,
    scores: np.ndarray,
    m: int,
    avail: np.ndarray,
    last: np.ndarray,
    best: int,
    best_score: float,
    best_last: float,
) -> tuple[int, float, float]:
    """Best free agent for media m in agents[lo:hi] or the best so far: highest score, then
    longest since the last ACD change."""
    for p in range(lo, hi):
        a = agents[p]
        if avail[a, m]:
            sc = scores[p]
            if sc > best_score or (sc == best_score and last[a] < best_last):
                best = a
                best_score = sc
                best_last = last[a]
    return best, best_score, best_last


@jit_inline
def _tally_abandoned(
    w: float, q: int, s: int, target: float, short: float, out: np.ndarray
) -> None:
    """Tally an interaction of queue q, arrived in interval s, that hung up after w seconds."""
    out[q, s, ABANDONED] += 1.0
    out[q, s, DELAYED] += 1.0
    out[q, s, ABANDONED_IN_TARGET] += w <= target
    out[q, s, SHORT_ABANDONED] += w <= short
    out[q, s, WAIT_ALL] += w


# --- routing network: the steps of the event loop ----------------------------------------------


@jit_inline
def _new_state(arrivals: Arrivals, net: NetworkArrays) -> _State:
    """Nothing waiting, every agent idle and available as shift 0 says, an empty event heap
    (sized for the worst case) and a service-level window only when some rule reads one."""
    n = arrivals.times.shape[0]
    n_rules = net.n_rules
    rule_metric = net.rule_metric
    cap = net.capacity
    intr = net.interruptible
    on = net.on_shift
    n_cls = net.class_queue.shape[0]
    n_q = net.queue_aht.shape[0]
    n_agents = cap.shape[0]
    n_media = cap.shape[1]
    n_int = on.shape[1]
    n_sl = 0
    for c in range(n_cls):
        for r in range(n_rules[c]):
            if rule_metric[c, r] == RuleMetric.SERVICE_LEVEL:
                n_sl = n_q
    load = np.zeros((n_agents, n_media), dtype=np.int64)
    avail = np.zeros((n_agents, n_media), dtype=np.bool_)
    n_free = np.zeros(n_media, dtype=np.int64)
    for a in range(n_agents):
        _refresh(a, on[a, 0], cap, intr, load, avail, n_free)
    # Each interaction has at most one pending event of each kind (completion, abandon, stage,
    # rule), stale or not, so this bound is never exceeded.
    size = 4 * n + n_int + 16
    return _State(
        status=np.zeros(n, dtype=np.int8),
        stage=np.zeros(n, dtype=np.int64),
        active=np.zeros(n, dtype=np.int64),
        next_rule=np.zeros(n, dtype=np.int64),
        agent_of=np.full(n, -1, dtype=np.int64),
        arrival_interval=np.empty(n, dtype=np.int64),
        head=np.zeros(n_cls, dtype=np.int64),
        tail=np.zeros(n_cls, dtype=np.int64),
        waiting=np.zeros(n_q, dtype=np.int64),
        load=load,
        total=np.zeros(n_agents, dtype=np.int64),
        avail=avail,
        n_free=n_free,
        last=np.zeros(n_agents),
        busy_since=np.zeros(n_agents),
        pending=np.zeros(n_agents + 1, dtype=np.int64),
        sl_minute=np.full((n_sl, SL_WINDOW_MINUTES), -(1 << 40), dtype=np.int64),
        sl_count=np.zeros((n_sl, SL_WINDOW_MINUTES), dtype=np.int64),
        sl_in_target=np.zeros((n_sl, SL_WINDOW_MINUTES), dtype=np.int64),
        heap_time=np.empty(size),
        heap_code=np.empty(size, dtype=np.int64),
    )


@jit_inline
def _schedule_intervals(state: _State, n_int: int, dt: float) -> int:
    """Put the start of every interval after the first on the heap; returns the heap size."""
    ht = state.heap_time
    hc = state.heap_code
    hn = 0
    for s in range(1, n_int):
        hn = _push(ht, hc, hn, s * dt, _event_code(s, Event.INTERVAL))
    return hn


@jit_inline
def _arrive(
    i: int, s: int, arrivals: Arrivals, net: NetworkArrays, state: _State, out: np.ndarray
) -> None:
    """Interaction i joins its queue: offered in its arrival interval s (the last one for
    arrivals after the day), waiting at the furthest stage open on arrival."""
    c = arrivals.classes[i]
    q = net.class_queue[c]
    n_int = net.on_shift.shape[1]
    n_stages = net.n_stages
    stage_opens = net.stage_opens
    status = state.status
    stage = state.stage
    arrival_interval = state.arrival_interval
    tail = state.tail
    waiting = state.waiting
    arrival_interval[i] = s if s < n_int else n_int - 1
    out[q, arrival_interval[i], OFFERED] += 1.0
    tail[c] += 1
    st = 0
    while st + 1 < n_stages[c] and stage_opens[c, st + 1] <= 0.0:
        st += 1
    stage[i] = st
    status[i] = Status.WAITING
    waiting[q] += 1


@jit_inline
def _complete(
    i: int,
    t: float,
    cur: int,
    dt: float,
    arrivals: Arrivals,
    net: NetworkArrays,
    state: _State,
    busy: np.ndarray,
) -> int:
    """Interaction i's agent finishes it at t: capacity comes back and, with the agent's last
    interaction, their busy spell ends. Returns the agent."""
    a = int(state.agent_of[i])
    m = net.class_media[arrivals.classes[i]]
    on_now = net.on_shift[a, cur]
    since = state.busy_since[a]
    state.last[a] = t
    state.total[a] -= 1
    idle = state.total[a] == 0
    cap = net.capacity
    intr = net.interruptible
    load = state.load
    avail = state.avail
    n_free = state.n_free
    load[a, m] -= 1
    _refresh(a, on_now, cap, intr, load, avail, n_free)
    if idle:
        _add_agent_busy(busy, a, since, t, dt)
    return a


@jit_inline
def _start_interval(cur: int, net: NetworkArrays, state: _State) -> int:
    """Interval cur starts: shifts change every agent's availability. Lists the agents coming
    on shift in ``state.pending``; returns their number."""
    on = net.on_shift
    cap = net.capacity
    intr = net.interruptible
    load = state.load
    avail = state.avail
    n_free = state.n_free
    pending = state.pending
    n_pending = 0
    for a in range(on.shape[0]):
        _refresh(a, on[a, cur], cap, intr, load, avail, n_free)
        if on[a, cur] and not on[a, cur - 1]:
            pending[n_pending] = a
            n_pending += 1
    return n_pending


@jit_inline
def _give_up(
    i: int,
    t: float,
    short: float,
    arrivals: Arrivals,
    net: NetworkArrays,
    state: _State,
    out: np.ndarray,
) -> None:
    """Waiting interaction i hangs up at t."""
    q = net.class_queue[arrivals.classes[i]]
    target = net.queue_target[q]
    w = t - arrivals.times[i]
    s = state.arrival_interval[i]
    status = state.status
    waiting = state.waiting
    sl_minute = state.sl_minute
    sl_count = state.sl_count
    sl_in_target = state.sl_in_target
    status[i] = Status.ABANDONED
    waiting[q] -= 1
    _sl_add(sl_minute, sl_count, sl_in_target, q, t, False)
    _tally_abandoned(w, q, s, target, short, out)


@jit_inline
def _advance_stage(i: int, t: float, arrivals: Arrivals, net: NetworkArrays, state: _State) -> None:
    """Waiting interaction i moves on to the furthest eligibility stage open at t."""
    c = arrivals.classes[i]
    t0 = arrivals.times[i]
    n_stages = net.n_stages
    stage_opens = net.stage_opens
    stage = state.stage
    st = stage[i] + 1
    while st + 1 < n_stages[c] and t0 + stage_opens[c, st + 1] <= t:
        st += 1
    stage[i] = st


@jit_inline
def _next_for_agent(a: int, arrivals: Arrivals, net: NetworkArrays, state: _State) -> int:
    """The waiting interaction free agent a takes next, or -1.

    Among the interactions it is eligible for, an agent takes the smallest routing key (arrival
    time less the priority offset). Within a class the oldest waiting interaction has reached
    the furthest stage, so only the head needs checking, except for agents eligible through a
    conditional-routing rule, which is decided per interaction. Advances each class's head past
    interactions no longer waiting.
    """
    times = arrivals.times
    order = arrivals.order
    order_ptr = arrivals.order_ptr
    class_media = net.class_media
    class_key_offset = net.class_key_offset
    agent_class_ptr = net.agent_class_ptr
    agent_class = net.agent_class
    agent_min_stage = net.agent_min_stage
    agent_rule_mask = net.agent_rule_mask
    status = state.status
    stage = state.stage
    active = state.active
    head = state.head
    tail = state.tail
    avail = state.avail
    best = -1
    best_key = np.inf
    for p in range(agent_class_ptr[a], agent_class_ptr[a + 1]):
        c = agent_class[p]
        if not avail[a, class_media[c]]:
            continue
        base = order_ptr[c]
        h = head[c]
        end = tail[c]
        while h < end and status[order[base + h]] != Status.WAITING:
            h += 1
        head[c] = h
        if h == end:
            continue
        minst = agent_min_stage[p]
        mask = agent_rule_mask[p]
        j = order[base + h]
        cand = -1
        if stage[j] >= minst:
            cand = j
        elif mask != 0:
            for h2 in range(h, end):
                j2 = order[base + h2]
                if status[j2] == Status.WAITING and (
                    stage[j2] >= minst or (active[j2] & mask) != 0
                ):
                    cand = j2
                    break
        if cand < 0:
            continue
        key = times[cand] - class_key_offset[c]
        if key < best_key:
            best_key = key
            best = cand
    return best


@jit_inline
def _assign(
    i: int,
    a: int,
    t: float,
    hn: int,
    arrivals: Arrivals,
    net: NetworkArrays,
    state: _State,
    out: np.ndarray,
) -> int:
    """Agent a answers waiting interaction i at t and its completion is scheduled; returns the
    heap size."""
    c = arrivals.classes[i]
    w = t - arrivals.times[i]
    done = t + arrivals.handle[i]
    q = net.class_queue[c]
    m = net.class_media[c]
    target = net.queue_target[q]
    cap = net.capacity
    intr = net.interruptible
    s = state.arrival_interval[i]
    status = state.status
    agent_of = state.agent_of
    waiting = state.waiting
    load = state.load
    total = state.total
    avail = state.avail
    n_free = state.n_free
    last = state.last
    busy_since = state.busy_since
    sl_minute = state.sl_minute
    sl_count = state.sl_count
    sl_in_target = state.sl_in_target
    ht = state.heap_time
    hc = state.heap_code
    waiting[q] -= 1
    status[i] = Status.ANSWERED
    agent_of[i] = a
    busy_since[a] = t if total[a] == 0 else busy_since[a]  # no branch: see the module doc
    load[a, m] += 1
    total[a] += 1
    _refresh(a, True, cap, intr, load, avail, n_free)
    last[a] = t
    in_target = w <= target
    _sl_add(sl_minute, sl_count, sl_in_target, q, t, in_target)
    out[q, s, ANSWERED] += 1.0
    out[q, s, ANSWERED_IN_TARGET] += in_target
    out[q, s, DELAYED] += w > 0.0
    out[q, s, WAIT_ANSWERED] += w
    out[q, s, WAIT_ALL] += w
    return _push(ht, hc, hn, done, _event_code(i, Event.DONE))


@jit_inline
def _evaluate_rules(
    i: int, t: float, cur: int, arrivals: Arrivals, net: NetworkArrays, state: _State
) -> tuple[int, int]:
    """Evaluate waiting interaction i's conditional rules that are due by t, each once; a rule
    that holds adds its agents to i's pool (a bit of ``state.active``). Returns (the first rule
    evaluated now, the first rule still to come)."""
    c = arrivals.classes[i]
    t0 = arrivals.times[i]
    n_rules = net.n_rules
    rule_after = net.rule_after
    rule_metric = net.rule_metric
    rule_operator = net.rule_operator
    rule_value = net.rule_value
    rule_queue = net.rule_queue
    queue_seats = net.queue_seats
    queue_aht = net.queue_aht
    waiting = state.waiting
    active = state.active
    next_rule = state.next_rule
    sl_minute = state.sl_minute
    sl_count = state.sl_count
    sl_in_target = state.sl_in_target
    r_before = next_rule[i]
    r = r_before
    while r < n_rules[c] and t0 + rule_after[c, r] <= t:
        q2 = rule_queue[c, r]
        if rule_metric[c, r] == RuleMetric.ESTIMATED_WAIT_TIME:
            seats = queue_seats[q2, cur]
            value = waiting[q2] * queue_aht[q2] / seats if seats > 0 else np.inf
        else:
            value = _sl_value(sl_minute, sl_count, sl_in_target, q2, t)
        if _rule_holds(rule_operator[c, r], value, rule_value[c, r]):
            active[i] |= 1 << r
        r += 1
    next_rule[i] = r
    return r_before, r


@jit_inline
def _free_agent_for(i: int, arrivals: Arrivals, net: NetworkArrays, state: _State) -> int:
    """The free agent to offer waiting interaction i, or -1: the best among its current stage's
    agents and the agents of the rules that held for it. (The caller checks first that someone
    is free for its media type.)"""
    c = arrivals.classes[i]
    m = net.class_media[c]
    k_max = net.stage_opens.shape[1]
    r_max = net.rule_after.shape[1]
    stage_ptr = net.stage_ptr
    stage_agent = net.stage_agent
    stage_score = net.stage_score
    rule_ptr = net.rule_ptr
    rule_agent = net.rule_agent
    rule_score = net.rule_score
    avail = state.avail
    last = state.last
    row = c * k_max + state.stage[i]
    mask = state.active[i]
    best, best_score, best_last = _pick(
        stage_ptr[row],
        stage_ptr[row + 1],
        stage_agent,
        stage_score,
        m,
        avail,
        last,
        -1,
        -np.inf,
        np.inf,
    )
    r = 0
    while mask != 0:
        if mask & 1:
            row = c * r_max + r
            best, best_score, best_last = _pick(
                rule_ptr[row],
                rule_ptr[row + 1],
                rule_agent,
                rule_score,
                m,
                avail,
                last,
                best,
                best_score,
                best_last,
            )
        mask >>= 1
        r += 1
    return best


@jit_inline
def _next_events(
    i: int,
    cause: int,
    r_before: int,
    r: int,
    t: float,
    arrivals: Arrivals,
    net: NetworkArrays,
    state: _State,
) -> tuple[float, float, float]:
    """The times of the events to schedule for waiting interaction i (inf: none): it hangs up
    (scheduled once, on arrival), its next stage opens (unless a rule event brought it here:
    that stage's event is pending already) and its next rule is due (scheduled once, by
    whichever event evaluated the rule before)."""
    c = arrivals.classes[i]
    t0 = arrivals.times[i]
    patience = arrivals.patience[i]
    n_stages = net.n_stages[c]
    n_rules = net.n_rules[c]
    stage_opens = net.stage_opens
    rule_after = net.rule_after
    st = state.stage[i]
    abandon_at = np.inf
    stage_at = np.inf
    rule_at = np.inf
    if cause == Cause.ARRIVAL:
        abandon_at = t + patience
    if cause != Cause.RULE and st + 1 < n_stages:
        stage_at = t0 + stage_opens[c, st + 1]
    if r > r_before and r < n_rules:
        rule_at = t0 + rule_after[c, r]
    return abandon_at, stage_at, rule_at


@jit_inline
def _close_day(
    horizon: float,
    short: float,
    arrivals: Arrivals,
    net: NetworkArrays,
    state: _State,
    out: np.ndarray,
) -> None:
    """Interactions still waiting when no event is left (nobody will ever answer them and they
    never give up) count as abandoned at the end of the day."""
    times = arrivals.times
    classes = arrivals.classes
    class_queue = net.class_queue
    queue_target = net.queue_target
    status = state.status
    arrival_interval = state.arrival_interval
    for i in range(times.shape[0]):
        if status[i] == Status.WAITING:
            q = class_queue[classes[i]]
            w = max(horizon - times[i], 0.0)
            _tally_abandoned(w, q, arrival_interval[i], queue_target[q], short, out)


@jit
def run_network(
    arrivals: Arrivals,
    net: NetworkArrays,
    dt: float,
    short: float,
    out: np.ndarray,
    busy: np.ndarray,
) -> None:
    """One replication: tallies per (queue, interval of arrival) into ``out`` (Q, S, counts)
    and agent busy seconds (time with at least one interaction) into ``busy`` (A, S).

    Each turn of the loop takes the next arrival or event, lets the agents it freed or brought
    on shift take waiting work, then routes the interaction it concerns: evaluate its due
    rules, give it to a free eligible agent, or schedule what happens to it next.
    """
    times = arrivals.times
    classes = arrivals.classes
    on = net.on_shift
    class_media = net.class_media
    n = times.shape[0]
    n_int = on.shape[1]
    state = _new_state(arrivals, net)
    status = state.status
    n_free = state.n_free
    pending = state.pending
    ht = state.heap_time
    hc = state.heap_code
    hn = _schedule_intervals(state, n_int, dt)
    cur = 0
    ai = 0
    while True:
        # 1. the next arrival or event, whichever comes first (stale events are dropped)
        n_pending = 0
        try_i = -1
        cause = Cause.ARRIVAL
        if ai < n and (hn == 0 or times[ai] < ht[0]):
            try_i = ai
            ai += 1
            t = times[try_i]
            _arrive(try_i, int(t / dt), arrivals, net, state, out)
        elif hn > 0:
            t = ht[0]
            code = hc[0]
            hn = _pop(ht, hc, hn)
            kind = code & EVENT_KIND_MASK
            ident = code >> EVENT_KIND_BITS
            if kind == Event.DONE:
                pending[0] = _complete(ident, t, cur, dt, arrivals, net, state, busy)
                n_pending = 1
            elif kind == Event.INTERVAL:
                cur = ident
                n_pending = _start_interval(cur, net, state)
            elif status[ident] != Status.WAITING:
                continue
            elif kind == Event.ABANDON:
                _give_up(ident, t, short, arrivals, net, state, out)
                continue
            else:
                if kind == Event.STAGE:
                    _advance_stage(ident, t, arrivals, net, state)
                    cause = Cause.STAGE
                else:
                    cause = Cause.RULE
                try_i = ident
        else:
            break

        # 2. agents freed or come on shift take waiting work while they can
        for p in range(n_pending):
            a = pending[p]
            if not on[a, cur]:
                continue
            while True:
                j = _next_for_agent(a, arrivals, net, state)
                if j < 0:
                    break
                hn = _assign(j, a, t, hn, arrivals, net, state, out)
        if try_i < 0:
            continue

        # 3. route the interaction the arrival or event concerns: evaluate its due rules, give
        # it to the best free eligible agent, or schedule what happens to it next
        r_before, r = _evaluate_rules(try_i, t, cur, arrivals, net, state)
        a = -1
        if n_free[class_media[classes[try_i]]] > 0:
            a = _free_agent_for(try_i, arrivals, net, state)
        # computed whether or not it is answered, so that _assign and _next_events are not the
        # two arms of the if below (see "How the steps are written")
        abandon_at, stage_at, rule_at = _next_events(
            try_i, cause, r_before, r, t, arrivals, net, state
        )
        if a >= 0:
            hn = _assign(try_i, a, t, hn, arrivals, net, state, out)
        else:
            if abandon_at < np.inf:
                hn = _push(ht, hc, hn, abandon_at, _event_code(try_i, Event.ABANDON))
            if stage_at < np.inf:
                hn = _push(ht, hc, hn, stage_at, _event_code(try_i, Event.STAGE))
            if rule_at < np.inf:
                hn = _push(ht, hc, hn, rule_at, _event_code(try_i, Event.RULE))
    _close_day(n_int * dt, short, arrivals, net, state, out)
