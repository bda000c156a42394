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

Routing network (``run_network``). State is plain arrays; see ``network.py`` for what each input
means. Events: arrivals (pre-sorted, merged with the heap), interval starts (agents coming on
shift), completions, abandonments, eligibility stages (bullseye rings opening, preferred-agent
rules timing out) and conditional group routing rule evaluations. Stale events (for an
interaction already answered or gone) are dropped when popped.

Invariant: no agent who is on shift and can accept a media type is eligible for a waiting
interaction of that type. It holds because every change that could break it (an agent freeing
capacity or coming on shift, an interaction reaching a new stage or rule) triggers a match at
once; so an arriving interaction may take any free eligible agent without jumping the queue.
"""

from __future__ import annotations

import numpy as np

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


# --- routing network -------------------------------------------------------------------------

NOT_ARRIVED, WAITING, DONE_ANSWERED, DONE_ABANDONED = 0, 1, 2, 3  # interaction status
EV_INTERVAL, EV_DONE, EV_ABANDON, EV_STAGE, EV_RULE = 0, 1, 2, 3, 4
CAUSE_ARRIVAL, CAUSE_STAGE, CAUSE_RULE = 0, 1, 2
NEVER = 1 << 30  # "no stage makes this agent eligible"
SL_WINDOW_MINUTES = 30


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


@jit_inline
def _push(ht: np.ndarray, hc: np.ndarray, n: int, t: float, code: int) -> int:
    if n >= ht.shape[0]:  # cannot happen (see the bound in run_network); never write past it
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


@jit_inline
def _refresh(
    a: int,
    on_now: bool,
    load: np.ndarray,
    cap: np.ndarray,
    intr: np.ndarray,
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
    sl_min: np.ndarray, sl_n: np.ndarray, sl_ok: np.ndarray, q: int, t: float, ok: bool
) -> None:
    if sl_min.shape[0] == 0:
        return
    minute = int(t / 60.0)
    b = minute % SL_WINDOW_MINUTES
    if sl_min[q, b] != minute:
        sl_min[q, b] = minute
        sl_n[q, b] = 0
        sl_ok[q, b] = 0
    sl_n[q, b] += 1
    if ok:
        sl_ok[q, b] += 1


@jit_inline
def _sl_value(sl_min: np.ndarray, sl_n: np.ndarray, sl_ok: np.ndarray, q: int, t: float) -> float:
    """Answered within target / (answered + abandoned) over the last 30 minutes (1 if none)."""
    minute = int(t / 60.0)
    n = 0
    ok = 0
    for b in range(SL_WINDOW_MINUTES):
        if sl_min[q, b] > minute - SL_WINDOW_MINUTES:
            n += sl_n[q, b]
            ok += sl_ok[q, b]
    if n == 0:
        return 1.0
    return ok / n


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
    """Best free agent in agents[lo:hi]: highest score, then longest since last ACD change."""
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
def _assign(
    i: int,
    a: int,
    t: float,
    hn: int,
    ht: np.ndarray,
    hc: np.ndarray,
    arr_t: np.ndarray,
    arr_c: np.ndarray,
    arr_s: np.ndarray,
    handle: np.ndarray,
    cls_q: np.ndarray,
    cls_m: np.ndarray,
    status: np.ndarray,
    agent_of: np.ndarray,
    waiting: np.ndarray,
    load: np.ndarray,
    total: np.ndarray,
    avail: np.ndarray,
    n_free: np.ndarray,
    cap: np.ndarray,
    intr: np.ndarray,
    last: np.ndarray,
    busy_since: np.ndarray,
    q_target: np.ndarray,
    sl_min: np.ndarray,
    sl_n: np.ndarray,
    sl_ok: np.ndarray,
    out: np.ndarray,
) -> int:
    """Agent a answers waiting interaction i at time t; returns the heap size."""
    c = arr_c[i]
    q = cls_q[c]
    m = cls_m[c]
    waiting[q] -= 1
    status[i] = DONE_ANSWERED
    w = t - arr_t[i]
    agent_of[i] = a
    if total[a] == 0:
        busy_since[a] = t
    load[a, m] += 1
    total[a] += 1
    _refresh(a, True, load, cap, intr, avail, n_free)
    last[a] = t
    in_target = w <= q_target[q]
    _sl_add(sl_min, sl_n, sl_ok, q, t, in_target)
    s = arr_s[i]
    out[q, s, ANSWERED] += 1.0
    if in_target:
        out[q, s, ANSWERED_IN_TARGET] += 1.0
    if w > 0.0:
        out[q, s, DELAYED] += 1.0
    out[q, s, WAIT_ANSWERED] += w
    out[q, s, WAIT_ALL] += w
    return _push(ht, hc, hn, t + handle[i], i * 8 + EV_DONE)


@jit_inline
def _abandon(w: float, q: int, s: int, target: float, short: float, out: np.ndarray) -> None:
    """Tally an interaction of queue q, arrived in interval s, that hung up after w seconds."""
    out[q, s, ABANDONED] += 1.0
    out[q, s, DELAYED] += 1.0
    if w <= target:
        out[q, s, ABANDONED_IN_TARGET] += 1.0
    if w <= short:
        out[q, s, SHORT_ABANDONED] += 1.0
    out[q, s, WAIT_ALL] += w


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


@jit
def run_network(
    arr_t: np.ndarray,
    arr_c: np.ndarray,
    handle: np.ndarray,
    patience: np.ndarray,
    order: np.ndarray,
    order_ptr: np.ndarray,
    cls_q: np.ndarray,
    cls_m: np.ndarray,
    cls_key: np.ndarray,
    cls_nst: np.ndarray,
    st_open: np.ndarray,
    el_ptr: np.ndarray,
    el_a: np.ndarray,
    el_sc: np.ndarray,
    cls_nrule: np.ndarray,
    rule_t: np.ndarray,
    rule_metric: np.ndarray,
    rule_op: np.ndarray,
    rule_val: np.ndarray,
    rule_q: np.ndarray,
    cg_ptr: np.ndarray,
    cg_a: np.ndarray,
    cg_sc: np.ndarray,
    q_aht: np.ndarray,
    q_seats: np.ndarray,
    q_target: np.ndarray,
    cap: np.ndarray,
    intr: np.ndarray,
    on: np.ndarray,
    ac_ptr: np.ndarray,
    ac_c: np.ndarray,
    ac_minst: np.ndarray,
    ac_mask: np.ndarray,
    dt: float,
    short: float,
    out: np.ndarray,
    busy: np.ndarray,
) -> None:
    """One replication: tallies per (queue, interval of arrival) into ``out`` (Q, S, counts)
    and agent busy seconds (time with at least one interaction) into ``busy`` (A, S)."""
    n = arr_t.shape[0]
    n_cls = cls_q.shape[0]
    n_q = q_aht.shape[0]
    n_agents = cap.shape[0]
    n_media = cap.shape[1]
    n_int = on.shape[1]
    k_max = st_open.shape[1]
    r_max = rule_t.shape[1]

    status = np.zeros(n, dtype=np.int8)
    stage = np.zeros(n, dtype=np.int64)
    active = np.zeros(n, dtype=np.int64)
    next_rule = np.zeros(n, dtype=np.int64)
    agent_of = np.full(n, -1, dtype=np.int64)
    arr_s = np.empty(n, dtype=np.int64)
    head = np.zeros(n_cls, dtype=np.int64)
    tail = np.zeros(n_cls, dtype=np.int64)
    waiting = np.zeros(n_q, dtype=np.int64)
    load = np.zeros((n_agents, n_media), dtype=np.int64)
    total = np.zeros(n_agents, dtype=np.int64)
    avail = np.zeros((n_agents, n_media), dtype=np.bool_)
    n_free = np.zeros(n_media, dtype=np.int64)
    last = np.zeros(n_agents)
    busy_since = np.zeros(n_agents)
    for a in range(n_agents):
        _refresh(a, on[a, 0], load, cap, intr, avail, n_free)
    # the 30-minute service-level window, kept only when some rule reads it
    n_sl = 0
    for c in range(n_cls):
        for r in range(cls_nrule[c]):
            if rule_metric[c, r] == 1:
                n_sl = n_q
    sl_min = np.full((n_sl, SL_WINDOW_MINUTES), -(1 << 40), dtype=np.int64)
    sl_n = np.zeros((n_sl, SL_WINDOW_MINUTES), dtype=np.int64)
    sl_ok = np.zeros((n_sl, SL_WINDOW_MINUTES), dtype=np.int64)

    # Each interaction has at most one pending event of each kind (completion, abandon, stage,
    # rule), stale or not, so this bound is never exceeded.
    size = 4 * n + n_int + 16
    ht = np.empty(size)
    hc = np.empty(size, dtype=np.int64)
    hn = 0
    for s in range(1, n_int):
        hn = _push(ht, hc, hn, s * dt, s * 8 + EV_INTERVAL)
    pending = np.zeros(n_agents + 1, dtype=np.int64)
    cur = 0
    ai = 0
    while True:
        n_pending = 0
        try_i = -1
        cause = CAUSE_ARRIVAL
        if ai < n and (hn == 0 or arr_t[ai] < ht[0]):
            i = ai
            ai += 1
            t = arr_t[i]
            c = arr_c[i]
            s = int(t / dt)
            arr_s[i] = s if s < n_int else n_int - 1
            out[cls_q[c], arr_s[i], OFFERED] += 1.0
            tail[c] += 1
            st = 0
            while st + 1 < cls_nst[c] and st_open[c, st + 1] <= 0.0:
                st += 1
            stage[i] = st
            status[i] = WAITING
            waiting[cls_q[c]] += 1
            try_i = i
        elif hn > 0:
            t = ht[0]
            code = hc[0]
            hn = _pop(ht, hc, hn)
            kind = code & 7
            ident = code >> 3
            if kind == EV_DONE:
                i = ident
                a = agent_of[i]
                m = cls_m[arr_c[i]]
                load[a, m] -= 1
                total[a] -= 1
                if total[a] == 0:
                    _add_agent_busy(busy, a, busy_since[a], t, dt)
                _refresh(a, on[a, cur], load, cap, intr, avail, n_free)
                last[a] = t
                pending[0] = a
                n_pending = 1
            elif kind == EV_INTERVAL:
                cur = ident
                for a in range(n_agents):
                    _refresh(a, on[a, cur], load, cap, intr, avail, n_free)
                    if on[a, cur] and not on[a, cur - 1]:
                        pending[n_pending] = a
                        n_pending += 1
            else:
                i = ident
                if status[i] != WAITING:
                    continue
                c = arr_c[i]
                if kind == EV_ABANDON:
                    status[i] = DONE_ABANDONED
                    q = cls_q[c]
                    waiting[q] -= 1
                    _sl_add(sl_min, sl_n, sl_ok, q, t, False)
                    _abandon(t - arr_t[i], q, arr_s[i], q_target[q], short, out)
                    continue
                if kind == EV_STAGE:
                    st = stage[i] + 1
                    while st + 1 < cls_nst[c] and arr_t[i] + st_open[c, st + 1] <= t:
                        st += 1
                    stage[i] = st
                    cause = CAUSE_STAGE
                else:
                    cause = CAUSE_RULE
                try_i = i
        else:
            break

        # --- agents freed or come on shift take waiting work while they can. Among the
        # interactions it is eligible for, an agent takes the smallest routing key (arrival
        # time less the priority offset). Within a class the oldest waiting interaction has
        # reached the furthest stage, so only the head needs checking, except for agents
        # eligible through a conditional-routing rule, which is decided per interaction.
        for pi in range(n_pending):
            a = pending[pi]
            if not on[a, cur]:
                continue
            while True:
                best = -1
                best_key = np.inf
                for p in range(ac_ptr[a], ac_ptr[a + 1]):
                    c = ac_c[p]
                    if not avail[a, cls_m[c]]:
                        continue
                    base = order_ptr[c]
                    h = head[c]
                    end = tail[c]
                    while h < end and status[order[base + h]] != WAITING:
                        h += 1
                    head[c] = h
                    if h == end:
                        continue
                    minst = ac_minst[p]
                    mask = ac_mask[p]
                    j = order[base + h]
                    cand = -1
                    if stage[j] >= minst:
                        cand = j
                    elif mask != 0:
                        for h2 in range(h, end):
                            j2 = order[base + h2]
                            if status[j2] == WAITING and (
                                stage[j2] >= minst or (active[j2] & mask) != 0
                            ):
                                cand = j2
                                break
                    if cand < 0:
                        continue
                    key = arr_t[cand] - cls_key[c]
                    if key < best_key:
                        best_key = key
                        best = cand
                if best < 0:
                    break
                hn = _assign(
                    best,
                    a,
                    t,
                    hn,
                    ht,
                    hc,
                    arr_t,
                    arr_c,
                    arr_s,
                    handle,
                    cls_q,
                    cls_m,
                    status,
                    agent_of,
                    waiting,
                    load,
                    total,
                    avail,
                    n_free,
                    cap,
                    intr,
                    last,
                    busy_since,
                    q_target,
                    sl_min,
                    sl_n,
                    sl_ok,
                    out,
                )
        if try_i < 0:
            continue

        # --- interaction try_i: evaluate due rules, then look for a free eligible agent ---
        i = try_i
        c = arr_c[i]
        r_before = next_rule[i]
        r = r_before
        while r < cls_nrule[c] and arr_t[i] + rule_t[c, r] <= t:
            q2 = rule_q[c, r]
            if rule_metric[c, r] == 0:  # EstimatedWaitTime
                seats = q_seats[q2, cur]
                value = waiting[q2] * q_aht[q2] / seats if seats > 0 else np.inf
            else:  # ServiceLevel
                value = _sl_value(sl_min, sl_n, sl_ok, q2, t)
            op = rule_op[c, r]
            v = rule_val[c, r]
            hit = (
                (op == 0 and value > v)
                or (op == 1 and value >= v)
                or (op == 2 and value < v)
                or (op == 3 and value <= v)
            )
            if hit:
                active[i] |= 1 << r
            r += 1
        next_rule[i] = r

        m = cls_m[c]
        best = -1
        if n_free[m] > 0:
            best_score = -np.inf
            best_last = np.inf
            base = c * k_max + stage[i]
            best, best_score, best_last = _pick(
                el_ptr[base],
                el_ptr[base + 1],
                el_a,
                el_sc,
                m,
                avail,
                last,
                best,
                best_score,
                best_last,
            )
            mask = active[i]
            rr = 0
            while mask != 0:
                if mask & 1:
                    b2 = c * r_max + rr
                    best, best_score, best_last = _pick(
                        cg_ptr[b2],
                        cg_ptr[b2 + 1],
                        cg_a,
                        cg_sc,
                        m,
                        avail,
                        last,
                        best,
                        best_score,
                        best_last,
                    )
                mask >>= 1
                rr += 1
        if best >= 0:
            hn = _assign(
                i,
                best,
                t,
                hn,
                ht,
                hc,
                arr_t,
                arr_c,
                arr_s,
                handle,
                cls_q,
                cls_m,
                status,
                agent_of,
                waiting,
                load,
                total,
                avail,
                n_free,
                cap,
                intr,
                last,
                busy_since,
                q_target,
                sl_min,
                sl_n,
                sl_ok,
                out,
            )
            continue
        # still waiting: schedule what happens next to it
        if cause == CAUSE_ARRIVAL and patience[i] < np.inf:
            hn = _push(ht, hc, hn, t + patience[i], i * 8 + EV_ABANDON)
        st = stage[i]
        if cause != CAUSE_RULE and st + 1 < cls_nst[c]:
            hn = _push(ht, hc, hn, arr_t[i] + st_open[c, st + 1], i * 8 + EV_STAGE)
        # the next rule's event, once per rule: whichever event evaluated this one schedules it
        if r > r_before and r < cls_nrule[c]:
            hn = _push(ht, hc, hn, arr_t[i] + rule_t[c, r], i * 8 + EV_RULE)

    for i in range(n):
        if status[i] == WAITING:  # nobody will ever answer it and it never gives up
            q = cls_q[arr_c[i]]
            w = max(n_int * dt - arr_t[i], 0.0)
            _abandon(w, q, arr_s[i], q_target[q], short, out)
