"""Apply a plan safely: approved id, same org, fresh enough, no drift, journaled, verified.

The real API has no optimistic locking on queues (a PUT replaces the whole object; the last
writer wins), no transaction across queues, members and utilization, and a rate limit per
token. So an apply:

1. refuses a plan whose id is not the one approved, a plan for another org, and a plan older
   than ``max_age``;
2. per queue, re-reads the queue and its members and compares them with the plan's base: any
   change since planning refuses that queue (nothing is written to it) with a message naming
   what changed and, from the audit trail, who changed it and when; the other queues follow
   ``on_error`` (``stop``, ``continue`` or ``rollback``);
3. writes the full queue object (read-modify-write; everything routingkit does not model is
   kept), members in batches of 100, ring numbers, then the org utilization, then the WFM
   service goal templates that follow the queues' new service levels (with the
   ``metadata.version`` the plan read: a template changed since is refused by WFM, 409, and
   reported, never overwritten), each step journaled before and after the call
   (``policy.journal``) and verified by reading it back (members settle asynchronously: a
   bounded wait);
4. appends every step to the org's audit log and returns metrics.

``resume`` finishes an interrupted apply from its journal; ``rollback`` restores every object
an apply touched to its base snapshot, refusing to overwrite a change someone else made since.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..genesys import GenesysClient, GenesysError, NotFoundError
from ..genesys.models import Queue, Utilization
from ..genesys.wfm import ServiceGoalTemplate, ShortTermForecastImport
from .audit_log import append_audit
from .diff import diff, queue_json
from .journal import DONE_STATES, Journal, Step
from .plan import Plan, QueuePlan

OnError = Literal["stop", "continue", "rollback"]
MEMBER_SETTLE_SECONDS = 10.0  # members added in bulk settle asynchronously on the platform


class ApplyRefused(RuntimeError):
    """The plan may not be applied as asked (id, org, age); nothing was written."""


class DriftError(RuntimeError):
    """An object changed in the org since the plan was made; it was not written."""


@dataclass
class ApplyResult:
    apply_id: str
    status: Literal["applied", "partial", "failed", "rolled_back", "nothing_to_do"]
    outcomes: dict[str, str] = field(default_factory=dict)  # queue name -> outcome
    metrics: dict[str, Any] = field(default_factory=dict)

    def headline(self) -> str:
        """The apply in one line, e.g. "Applied 3 of 3 queue(s) and WFM change(s) (apply ...),
        every write read back"."""
        done = sum(o in ("applied", "restored") for o in self.outcomes.values())
        words = {
            "applied": "Applied",
            "partial": "Partly applied",
            "failed": "Not applied: it failed",
            "rolled_back": "Rolled back",
            "nothing_to_do": "Nothing to apply: the org already matched the plan",
        }[self.status]
        if self.status == "nothing_to_do":
            return f"{words} (apply {self.apply_id})"
        tail = ", every write read back" if self.status == "applied" else ""
        return f"{words}: {done} of {len(self.outcomes)} object(s) (apply {self.apply_id}){tail}"

    def table(self) -> str:
        width = max((len(q) for q in self.outcomes), default=5)
        lines = [f"{'queue':<{width}}  outcome"]
        lines += [f"{q:<{width}}  {o}" for q, o in self.outcomes.items()]
        return "\n".join(lines)


Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def check_approval(
    client: GenesysClient, plan: Plan, approve: str | None, *, max_age: dt.timedelta
) -> None:
    """Refuse (ApplyRefused) unless ``approve`` is this plan's id, for this org, recent."""
    if not approve:
        raise ApplyRefused(
            f"applying needs the plan's id: review the plan, then pass --approve {plan.id}"
        )
    if approve != plan.id:
        raise ApplyRefused(
            f"--approve {approve} does not match this plan's id {plan.id}: the plan changed "
            "since it was reviewed (or another plan was given); review it again"
        )
    org = client.organization.me()
    if org.id != plan.org.id:
        raise ApplyRefused(
            f"this plan was made for org {plan.org.id} ({plan.org.name}) but the credentials "
            f"reach org {org.id} ({org.name}); nothing was written"
        )
    age = dt.datetime.now(dt.timezone.utc) - plan.created_at
    if age > max_age:
        hours = age.total_seconds() / 3600
        raise ApplyRefused(
            f"the plan is {hours:.1f} h old, older than the {max_age.total_seconds() / 3600:g} h "
            "allowed; plan again (the org may have changed), or raise --max-age-hours"
        )


def _who_changed(client: GenesysClient, queue_id: str, since: dt.datetime) -> str:
    """``"by <user> at <time>"`` from the realtime audit trail, or a note that it is unknown."""
    try:
        end = dt.datetime.now(dt.timezone.utc)
        entries = client.audits.realtime(
            max(since, end - dt.timedelta(days=13)),
            end + dt.timedelta(minutes=1),
            filters={"EntityType": "Queue", "EntityId": queue_id},
        )
    except GenesysError:
        return "(the audit trail could not be read)"
    if not entries:
        return "(the audit trail has no entry yet)"
    last = max(entries, key=lambda e: str(e.get("eventDate") or ""))
    user = (last.get("user") or {}).get("name") or (last.get("user") or {}).get("id")
    client_ref = (last.get("client") or {}).get("id")
    who = user or (f"OAuth client {client_ref}" if client_ref else "someone")
    return f"by {who} at {last.get('eventDate')} ({last.get('action')})"


def _members_of(client: GenesysClient, queue_id: str) -> dict[str, dict[str, Any]]:
    return {
        m.id: {"id": m.id, "ringNumber": m.ring_number, "memberBy": m.member_by}
        for m in client.queues.members(queue_id)
        if m.id
    }


def drift(client: GenesysClient, plan: Plan, queue: QueuePlan) -> list[str]:
    """What changed in the org since ``plan`` was made, for one queue (empty: nothing)."""
    if queue.queue_id is None:
        existing = [
            q for q in client.queues.list(name=queue.queue_name) if q.name == queue.queue_name
        ]
        return [f"a queue named {queue.queue_name!r} now exists"] if existing else []
    try:
        current = client.queues.get(queue.queue_id)
    except NotFoundError:
        return ["the queue was deleted"]
    assert queue.base is not None
    changes = diff(queue_json(Queue.model_validate(queue.base)), queue_json(current))
    found = [f"{c.path} {c.kind}" for c in changes]
    if queue.members_add or queue.members_remove or queue.ring_changes:
        base = {m["id"]: m for m in queue.base_members}
        now = _members_of(client, queue.queue_id)
        if set(base) != set(now):
            found.append(
                f"members changed (+{len(set(now) - set(base))} -{len(set(base) - set(now))})"
            )
        elif any(base[u].get("ringNumber") != now[u].get("ringNumber") for u in base):
            found.append("member ring numbers changed")
    if found:
        who = _who_changed(client, queue.queue_id, plan.created_at)
        return [f"{', '.join(found[:6])}{' ...' if len(found) > 6 else ''} {who}"]
    return []


class _Runner:
    """The steps of one apply, with its journal, audit log and metrics."""

    def __init__(self, client: GenesysClient, plan: Plan, journal: Journal, progress: Progress):
        self.client = client
        self.plan = plan
        self.journal = journal
        self.progress = progress
        self.latencies: list[float] = []
        self.retries_at_start = client.retries
        self.requests_at_start = client.requests_sent
        self.started = time.monotonic()

    def _audit(self, step: Step | None, queue: str, kind: str, outcome: str, **extra: Any) -> None:
        append_audit(
            self.plan.org.id,
            {
                "client_id": getattr(self.client.auth, "client_id", None),
                "plan_id": self.plan.id,
                "apply_id": self.journal.apply_id,
                "queue": queue,
                "object": kind,
                "outcome": outcome,
                **extra,
            },
        )

    def run_step(
        self, seq: int, queue_name: str, kind: str, call: Callable[[], Any], summary: str
    ) -> Any:
        self.journal.mark(seq, "started")
        start = time.perf_counter()
        try:
            answer = call()
        except Exception as exc:
            latency = (time.perf_counter() - start) * 1000
            self.journal.mark(seq, "failed", error=str(exc)[:2000], latency_ms=latency)
            self._audit(
                None,
                queue_name,
                kind,
                f"failed: {exc}"[:500],
                latency_ms=round(latency, 1),
                change=summary,
                correlation_id=getattr(exc, "correlation_id", None),
            )
            raise
        latency = (time.perf_counter() - start) * 1000
        self.latencies.append(latency)
        self.journal.mark(seq, "done", after=answer, latency_ms=latency)
        self._audit(None, queue_name, kind, "done", latency_ms=round(latency, 1), change=summary)
        return answer

    def metrics(self) -> dict[str, Any]:
        steps = self.journal.steps()
        done = [s for s in steps if s.state in DONE_STATES]
        lat = np.asarray(self.latencies) if self.latencies else np.zeros(1)
        return {
            "steps": len(steps),
            "succeeded": len(done),
            "success_rate": round(len(done) / len(steps), 4) if steps else 1.0,
            "latency_ms_p50": round(float(np.percentile(lat, 50)), 1),
            "latency_ms_p95": round(float(np.percentile(lat, 95)), 1),
            "latency_ms_p99": round(float(np.percentile(lat, 99)), 1),
            "requests": self.client.requests_sent - self.requests_at_start,
            "retries": self.client.retries - self.retries_at_start,
            "rate_limit_wait_seconds": round(getattr(self.client.pacer, "waited_seconds", 0.0), 2),
            "seconds": round(time.monotonic() - self.started, 2),
        }


def _plan_steps(journal: Journal, plan: Plan) -> None:
    """Record every step as pending, in the order they run, in one transaction (once)."""
    if journal.steps():
        return
    with journal.transaction():
        _add_steps(journal, plan)


def _add_steps(journal: Journal, plan: Plan) -> None:
    for queue in plan.queues:
        if not queue.has_changes:
            continue
        if queue.action == "create":
            journal.add_step(queue.queue_name, None, "queue_create", request=queue.desired)
        elif queue.action == "update":
            journal.add_step(
                queue.queue_name,
                queue.queue_id,
                "queue_update",
                before=queue.base,
                request=queue.desired,
            )
        if queue.members_add:
            journal.add_step(
                queue.queue_name, queue.queue_id, "members_add", request=queue.members_add
            )
        if queue.members_remove:
            journal.add_step(
                queue.queue_name, queue.queue_id, "members_remove", request=queue.members_remove
            )
        if queue.ring_changes:
            before = {
                m["id"]: m.get("ringNumber")
                for m in queue.base_members
                if m["id"] in queue.ring_changes
            }
            journal.add_step(
                queue.queue_name, queue.queue_id, "rings", before=before, request=queue.ring_changes
            )
    if plan.utilization and plan.utilization.changes:
        journal.add_step(
            "(org)",
            None,
            "utilization",
            before=plan.utilization.base,
            request=plan.utilization.desired,
        )
    for template in plan.wfm_templates:
        journal.add_step(
            template.label,
            None,
            "wfm_template",
            before=template.base,
            request={"businessUnitId": template.business_unit_id, "template": template.desired},
        )
    if plan.wfm_forecast is not None:
        forecast = plan.wfm_forecast
        # the apply's id in the description: how this apply (and only it) finds its import
        description = f"{forecast.description}, apply {journal.apply_id}"
        journal.add_step(
            forecast.label,
            None,
            "wfm_forecast",
            request={
                "businessUnitId": forecast.business_unit_id,
                "weekDate": forecast.week_date.isoformat(),
                "description": description,
                "document": {**forecast.document, "description": description},
            },
        )


def _imported(client: GenesysClient, request: dict[str, Any]) -> dict[str, Any] | None:
    """The forecast an earlier attempt of this step imported (found by its description)."""
    listed = client.wfm.short_term_forecasts(request["businessUnitId"], request["weekDate"])
    found = [f for f in listed if f.description == request["description"]]
    return found[-1].to_api() if found else None


def _import_forecast(runner: _Runner, step: Step) -> None:
    client, request = runner.client, step.request
    if step.state in ("started", "failed"):
        done = _imported(client, request)
        if done is not None:  # the import went through before the apply was interrupted
            runner.journal.mark(step.seq, "done", after=done)
            return
    document = ShortTermForecastImport.model_validate(request["document"])
    runner.run_step(
        step.seq,
        step.queue_name,
        "wfm forecast",
        lambda: client.wfm.import_short_term_forecast(
            request["businessUnitId"], request["weekDate"], document
        ).to_api(),
        f"import the forecast of the week of {request['weekDate']}",
    )


def _service_level(template: dict[str, Any] | None) -> dict[str, Any]:
    level = (template or {}).get("serviceLevel") or {}
    return {k: level.get(k) for k in ("include", "percent", "seconds")}


def _version(template: dict[str, Any] | None) -> Any:
    return ((template or {}).get("metadata") or {}).get("version")


def _ours(now: dict[str, Any], wanted: dict[str, Any], step: Step) -> bool:
    """Whether the template as it is now is this step's write: the service level wanted, one
    version on from the one the plan read, and no refusal (409) on record for the step."""
    refused = step.state == "failed" and "changed since it was read" in (step.error or "")
    return (
        not refused
        and _service_level(now) == _service_level(wanted)
        and _version(wanted) is not None
        and _version(now) == _version(wanted) + 1
    )


def _write_template(runner: _Runner, step: Step) -> None:
    """PATCH the template with the version the plan read, unless an earlier attempt of this
    step already did (a resumed apply whose answer was lost: the version has moved on by
    exactly one, to the service level wanted)."""
    client = runner.client
    unit, wanted = step.request["businessUnitId"], step.request["template"]
    if step.state in ("started", "failed"):
        now = client.wfm.service_goal_template(unit, wanted["id"]).to_api()
        if _ours(now, wanted, step):
            runner.journal.mark(step.seq, "done", after=now)
            return
    template = ServiceGoalTemplate.model_validate(wanted)
    runner.run_step(
        step.seq,
        step.queue_name,
        "wfm template",
        lambda: client.wfm.update_service_goal_template(unit, template).to_api(),
        f"service level {_service_level(step.before)} -> {_service_level(wanted)}",
    )


def _execute(runner: _Runner, step: Step, queue_id: str | None) -> str | None:
    """Send one step; return the queue id (a create makes one). Verification follows."""
    client = runner.client
    if step.kind == "queue_create":
        existing = [
            q for q in client.queues.list(name=step.queue_name) if q.name == step.queue_name
        ]
        if existing:  # a resumed create that had gone through
            created = existing[0]
            runner.journal.mark(step.seq, "done", after=created.to_api(), queue_id=created.id)
        else:
            answer = runner.run_step(
                step.seq,
                step.queue_name,
                "queue",
                lambda: client.queues.create(Queue.model_validate(step.request)).to_api(),
                "create",
            )
            created = Queue.model_validate(answer)
            runner.journal.mark(step.seq, "done", queue_id=created.id)
        return created.id
    if step.kind == "wfm_template":
        _write_template(runner, step)
        return queue_id
    if step.kind == "wfm_forecast":
        _import_forecast(runner, step)
        return queue_id
    if step.kind == "utilization":
        runner.run_step(
            step.seq,
            "(org)",
            "utilization",
            lambda: client.utilization.put_org(Utilization.model_validate(step.request)).to_api(),
            "org utilization",
        )
        return queue_id
    if queue_id is None:
        raise DriftError(f"{step.kind}: the queue has no id (its create did not complete)")
    target: str = queue_id
    if step.kind == "queue_update":
        body = {**step.request, "id": queue_id}
        runner.run_step(
            step.seq,
            step.queue_name,
            "queue",
            lambda: client.queues.update(Queue.model_validate(body)).to_api(),
            f"{len(diff(queue_json(Queue.model_validate(step.before)), _json(body)))} field(s)",
        )
    elif step.kind == "members_add":
        runner.run_step(
            step.seq,
            step.queue_name,
            "members",
            lambda: client.queues.add_members(target, step.request),
            f"+{len(step.request)} members",
        )
    elif step.kind == "members_remove":
        runner.run_step(
            step.seq,
            step.queue_name,
            "members",
            lambda: client.queues.remove_members(target, step.request),
            f"-{len(step.request)} members",
        )
    elif step.kind == "rings":

        def set_rings() -> None:
            for user_id, ring in step.request.items():
                _set_ring(client, target, user_id, int(ring))

        runner.run_step(
            step.seq, step.queue_name, "rings", set_rings, f"{len(step.request)} ring number(s)"
        )
    return queue_id


def _json(body: dict[str, Any]) -> dict[str, Any]:
    return queue_json(Queue.model_validate(body))


def _set_ring(client: GenesysClient, queue_id: str, user_id: str, ring: int) -> None:
    """Set a member's ring, retrying the 404 a PATCH gets while a bulk add settles (bounded)."""
    deadline = time.monotonic() + MEMBER_SETTLE_SECONDS
    while True:
        try:
            client.queues.set_ring(queue_id, user_id, ring)
            return
        except NotFoundError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _verify(client: GenesysClient, step: Step, queue_id: str | None) -> str | None:
    """None when the org shows the step's result; else what differs."""
    if step.kind in ("queue_create", "queue_update"):
        assert queue_id is not None
        current = client.queues.get(queue_id)
        wanted = Queue.model_validate({**step.request, "id": queue_id})
        changes = diff(queue_json(wanted), queue_json(current))
        return (
            None if not changes else f"read back differs: {', '.join(str(c) for c in changes[:3])}"
        )
    if step.kind == "utilization":
        now = client.utilization.org().to_api()
        changes = diff((step.request or {}).get("utilization"), now.get("utilization"))
        return None if not changes else f"read back differs: {changes[0]}"
    if step.kind == "wfm_forecast":
        return None if _imported(client, step.request) else "the imported forecast is not listed"
    if step.kind == "wfm_template":
        wanted = step.request["template"]
        read = client.wfm.service_goal_template(step.request["businessUnitId"], wanted["id"])
        got = _service_level(read.to_api())
        return None if got == _service_level(wanted) else f"read back {got}"
    assert queue_id is not None
    deadline = time.monotonic() + MEMBER_SETTLE_SECONDS
    while True:
        members = _members_of(client, queue_id)
        if step.kind == "members_add":
            missing = [u for u in step.request if u not in members]
            problem = f"{len(missing)} added member(s) not listed yet" if missing else None
        elif step.kind == "members_remove":
            left = [u for u in step.request if u in members]
            problem = f"{len(left)} removed member(s) still listed" if left else None
        else:
            wrong = [
                u for u, r in step.request.items() if (members.get(u) or {}).get("ringNumber") != r
            ]
            problem = f"{len(wrong)} ring number(s) not set" if wrong else None
        if problem is None or time.monotonic() > deadline:
            return problem
        time.sleep(0.2)


WORKERS = 4  # queues applied at once: enough to keep a token's rate limit busy


def _apply_queue(
    runner: _Runner, queue: QueuePlan | None, name: str, queue_steps: list[Step], check_drift: bool
) -> tuple[str, bool]:
    """Apply one queue's steps; (outcome, failed)."""
    client, journal, plan = runner.client, runner.journal, runner.plan
    remaining = [s for s in queue_steps if s.state != "verified"]
    if not remaining:
        return "applied", False
    untouched = all(s.state == "pending" for s in queue_steps)
    if check_drift and queue is not None and untouched:
        changed = drift(client, plan, queue)
        if changed:
            message = f"changed since the plan was made: {changed[0]}; plan again"
            for s in remaining:
                journal.mark(s.seq, "refused", error=message)
            runner._audit(None, name, "queue", f"refused: {message}"[:500])
            runner.progress(f"{name}: refused ({message})")
            return f"refused: {message}", True
    queue_id = next((s.queue_id for s in queue_steps if s.queue_id), None)
    try:
        for step in remaining:
            if step.state in ("pending", "started", "failed", "skipped"):
                queue_id = _execute(runner, step, queue_id)
            problem = _verify(client, _refreshed(journal, step.seq), queue_id)
            if problem:
                journal.mark(step.seq, "failed", error=problem)
                raise DriftError(f"{step.kind}: {problem}")
            journal.mark(step.seq, "verified", queue_id=queue_id)
    except (GenesysError, DriftError, OSError, ValueError, KeyError) as exc:
        runner.progress(f"{name}: failed ({exc})")
        return f"failed: {exc}"[:300], True
    runner.progress(f"{name}: applied")
    return "applied", False


def _run(
    client: GenesysClient,
    plan: Plan,
    journal: Journal,
    *,
    on_error: OnError,
    progress: Progress,
    check_drift: bool,
    workers: int = WORKERS,
) -> ApplyResult:
    """Queues in parallel (``workers`` at once; the client's pacer shares the rate limit),
    each queue's steps in order, the org utilization last. After a failure, ``stop`` and
    ``rollback`` start no further queue."""
    runner = _Runner(client, plan, journal, progress)
    by_queue: dict[str, list[Step]] = {}
    for step in journal.steps():
        by_queue.setdefault(step.queue_name, []).append(step)
    queues = {q.queue_name: q for q in plan.queues}
    outcomes: dict[str, str] = {}
    stop = threading.Event()

    def one(name: str) -> None:
        if stop.is_set() and on_error != "continue":
            outcomes[name] = "not attempted (an earlier queue failed)"
            for s in by_queue[name]:
                if s.state != "verified":
                    journal.mark(s.seq, "skipped", error="an earlier queue failed")
            return
        outcome, failed = _apply_queue(runner, queues.get(name), name, by_queue[name], check_drift)
        outcomes[name] = outcome
        if failed:
            stop.set()

    last = {"(org)", *(t.label for t in plan.wfm_templates)}
    if plan.wfm_forecast is not None:
        last.add(plan.wfm_forecast.label)
    names = [n for n in by_queue if n not in last]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(one, names))
    # then the org utilization, then WFM's templates: WFM follows routing once routing is set
    for name in (n for n in by_queue if n in last):
        one(name)
    outcomes = {name: outcomes[name] for name in by_queue}  # in plan order
    failed = any(o != "applied" for o in outcomes.values())
    status: Literal["applied", "partial", "failed"] = (
        "applied"
        if not failed
        else ("partial" if any(o == "applied" for o in outcomes.values()) else "failed")
    )
    journal.set_status(status)
    result = ApplyResult(journal.apply_id, status, outcomes, runner.metrics())
    _save_metrics(journal, result)
    if failed and on_error == "rollback":
        rolled = rollback(client, journal.apply_id, progress=progress)
        result.status = "rolled_back" if rolled.status == "rolled_back" else result.status
        result.outcomes = {q: f"{o}; rolled back" for q, o in result.outcomes.items()}
    return result


def _refreshed(journal: Journal, seq: int) -> Step:
    return next(s for s in journal.steps() if s.seq == seq)


def _save_metrics(journal: Journal, result: ApplyResult) -> None:
    import json

    path = journal.path.with_suffix(".metrics.json")
    path.write_text(
        json.dumps(
            {"apply_id": result.apply_id, "status": result.status, **result.metrics}, indent=1
        )
    )


def apply_plan(
    client: GenesysClient,
    plan: Plan,
    *,
    approve: str | None,
    on_error: OnError = "stop",
    max_age: dt.timedelta = dt.timedelta(hours=24),
    progress: Progress = _quiet,
    workers: int = WORKERS,
) -> ApplyResult:
    """Apply ``plan`` (see the module docstring). Raises ApplyRefused before any write.

    ``workers``: queues applied at once (their steps always in order, one queue at a time).
    """
    check_approval(client, plan, approve, max_age=max_age)
    journal = Journal.create(
        plan_id=plan.id,
        org_id=plan.org.id,
        api_url=client.api_url,
        plan_json=plan.model_dump_json(),
        on_error=on_error,
    )
    with journal:
        _plan_steps(journal, plan)
        if not journal.steps():
            journal.set_status("applied")
            return ApplyResult(journal.apply_id, "nothing_to_do")
        progress(f"apply {journal.apply_id}: {len(journal.steps())} step(s)")
        return _run(
            client,
            plan,
            journal,
            on_error=on_error,
            progress=progress,
            check_drift=True,
            workers=workers,
        )


def resume(client: GenesysClient, apply_id: str, *, progress: Progress = _quiet) -> ApplyResult:
    """Finish an interrupted apply: verified steps stay, the rest are checked and redone."""
    with Journal.open(apply_id) as journal:
        plan = Plan.model_validate_json(journal.plan_json)
        _same_org(client, plan)
        if journal.info["kind"] != "apply":
            raise ApplyRefused(f"{apply_id} is a rollback; resume applies only")
        _plan_steps(journal, plan)  # killed before the steps were recorded: record them now
        journal.set_status("running")
        return _run(
            client,
            plan,
            journal,
            on_error=journal.info["on_error"],
            progress=progress,
            check_drift=True,
        )


def _same_org(client: GenesysClient, plan: Plan) -> None:
    org = client.organization.me()
    if org.id != plan.org.id:
        raise ApplyRefused(
            f"the journal belongs to org {plan.org.id} ({plan.org.name}) but the credentials "
            f"reach org {org.id} ({org.name}); nothing was written"
        )


def rollback(
    client: GenesysClient, apply_id: str, *, force: bool = False, progress: Progress = _quiet
) -> ApplyResult:
    """Restore every object ``apply_id`` touched to its base snapshot, newest step first.

    An object someone else changed since the apply wrote it is left alone (and reported),
    unless ``force``. The rollback is journaled as an apply of its own.
    """
    with Journal.open(apply_id) as source:
        plan = Plan.model_validate_json(source.plan_json)
        _same_org(client, plan)
        touched = [s for s in source.steps() if s.state not in ("pending", "refused", "skipped")]
    journal = Journal.create(
        plan_id=plan.id,
        org_id=plan.org.id,
        api_url=client.api_url,
        plan_json=plan.model_dump_json(),
        on_error="continue",
        kind="rollback",
        rolls_back=apply_id,
    )
    runner = _Runner(client, plan, journal, progress)
    outcomes: dict[str, str] = {}
    base_members = {q.queue_name: {m["id"]: m for m in q.base_members} for q in plan.queues}
    with journal:
        for step in reversed(touched):
            seq = journal.add_step(
                step.queue_name, step.queue_id, step.kind, before=step.after, request=step.before
            )
            try:
                outcome = _undo(runner, seq, step, base_members.get(step.queue_name, {}), force)
            except (GenesysError, OSError, ValueError, KeyError) as exc:
                journal.mark(seq, "failed", error=str(exc)[:2000])
                outcome = f"failed: {exc}"[:300]
            if outcome != "restored":
                outcomes[step.queue_name] = outcome
            else:
                outcomes.setdefault(step.queue_name, "restored")
            progress(f"{step.queue_name}: {step.kind} {outcome}")
        ok = all(o == "restored" for o in outcomes.values())
        journal.set_status("rolled_back" if ok else "partial")
        result = ApplyResult(
            journal.apply_id, "rolled_back" if ok else "partial", outcomes, runner.metrics()
        )
        _save_metrics(journal, result)
        return result


def _undo(runner: _Runner, seq: int, step: Step, base_members: dict[str, Any], force: bool) -> str:
    client = runner.client
    queue_id = step.queue_id
    if step.kind in ("queue_update", "queue_create"):
        if queue_id is None:
            runner.journal.mark(seq, "skipped", error="the create never got an id")
            return "restored"
        try:
            current = client.queues.get(queue_id)
        except NotFoundError:
            runner.journal.mark(seq, "skipped", error="the queue no longer exists")
            return (
                "restored" if step.kind == "queue_create" else "left alone: the queue was deleted"
            )
        written = Queue.model_validate({**step.request, "id": queue_id})
        if not force and diff(queue_json(written), queue_json(current)):
            if step.kind == "queue_update" and not diff(
                queue_json(Queue.model_validate(step.before)), queue_json(current)
            ):
                runner.journal.mark(seq, "verified", error="already at its base")
                return "restored"
            runner.journal.mark(seq, "refused", error="changed by someone else since the apply")
            return "left alone: changed by someone else since the apply (use --force)"
        if step.kind == "queue_create":
            runner.run_step(
                seq,
                step.queue_name,
                "queue",
                lambda: client.queues.delete(queue_id),
                "delete the created queue",
            )
        else:
            body = {**step.before, "id": queue_id}
            runner.run_step(
                seq,
                step.queue_name,
                "queue",
                lambda: client.queues.update(Queue.model_validate(body)).to_api(),
                "restore the base",
            )
        runner.journal.mark(seq, "verified")
        return "restored"
    if step.kind == "wfm_template":
        return _undo_template(runner, seq, step, force)
    if step.kind == "wfm_forecast":
        return _undo_forecast(runner, seq, step, force)
    if step.kind == "utilization":
        now = client.utilization.org().to_api()
        if not force and diff((step.request or {}).get("utilization"), now.get("utilization")):
            runner.journal.mark(seq, "refused", error="changed by someone else since the apply")
            return "left alone: org utilization changed since the apply (use --force)"
        runner.run_step(
            seq,
            "(org)",
            "utilization",
            lambda: client.utilization.put_org(Utilization.model_validate(step.before)).to_api(),
            "restore the base",
        )
        runner.journal.mark(seq, "verified")
        return "restored"
    if queue_id is None:
        runner.journal.mark(seq, "skipped", error="the queue never got an id")
        return "restored"
    target: str = queue_id
    if step.kind == "members_add":
        runner.run_step(
            seq,
            step.queue_name,
            "members",
            lambda: client.queues.remove_members(target, step.request),
            f"-{len(step.request)} members",
        )
    elif step.kind == "members_remove":
        runner.run_step(
            seq,
            step.queue_name,
            "members",
            lambda: client.queues.add_members(target, step.request),
            f"+{len(step.request)} members",
        )
    elif step.kind == "rings":

        def restore() -> None:
            for user_id, ring in (step.before or {}).items():
                number = ring or (base_members.get(user_id) or {}).get("ringNumber") or 1
                _set_ring(client, target, user_id, int(number))

        runner.run_step(seq, step.queue_name, "rings", restore, "restore ring numbers")
    runner.journal.mark(seq, "verified")
    return "restored"


def _undo_template(runner: _Runner, seq: int, step: Step, force: bool) -> str:
    """Put the template's base service level back, with the version it has now, when this
    apply wrote it and nobody has changed it since (else left alone, unless ``force``). A step
    that never wrote (refused by a 409, or failed before the PATCH) has nothing to undo."""
    client = runner.client
    unit, wanted = step.request["businessUnitId"], step.request["template"]
    try:
        now = client.wfm.service_goal_template(unit, wanted["id"])
    except NotFoundError:
        runner.journal.mark(seq, "skipped", error="the template no longer exists")
        return "left alone: the template was deleted"
    current = now.to_api()
    written = step.after if step.state in DONE_STATES and step.after else None
    if written is None and not _ours(current, wanted, step):
        runner.journal.mark(seq, "skipped", error="this apply never wrote the template")
        return "restored"
    if _service_level(current) == _service_level(step.before):
        runner.journal.mark(seq, "verified", error="already at its base")
        return "restored"
    unchanged = _version(current) == _version(written or current)
    if not force and not (unchanged and _service_level(current) == _service_level(wanted)):
        runner.journal.mark(seq, "refused", error="changed by someone else since the apply")
        return "left alone: the WFM template changed since the apply (use --force)"
    restore = ServiceGoalTemplate.model_validate(
        {
            **current,
            "serviceLevel": {
                **(current.get("serviceLevel") or {}),
                **((step.before or {}).get("serviceLevel") or {"include": False}),
            },
        }
    )
    runner.run_step(
        seq,
        step.queue_name,
        "wfm template",
        lambda: client.wfm.update_service_goal_template(unit, restore).to_api(),
        "restore the base service level",
    )
    runner.journal.mark(seq, "verified")
    return "restored"


def _undo_forecast(runner: _Runner, seq: int, step: Step, force: bool) -> str:
    """Delete the forecast this apply imported (an import changes no other forecast), unless
    someone changed it since (then left alone, unless ``force``)."""
    client, request = runner.client, step.request
    unit, week = request["businessUnitId"], request["weekDate"]
    made = step.after if step.state in DONE_STATES and step.after else _imported(client, request)
    if not made or not made.get("id"):
        if step.state in DONE_STATES:
            runner.journal.mark(seq, "skipped", error="no forecast was imported")
            return "restored"
        runner.journal.mark(seq, "refused", error="the import may still complete")
        return (
            f"left alone: the import of the week of {week} had not finished; if a forecast "
            f"described {request['description']!r} appears in WFM, delete it there"
        )
    try:
        now = client.wfm.short_term_forecast(unit, week, made["id"]).to_api()
    except NotFoundError:
        runner.journal.mark(seq, "verified", error="already deleted")
        return "restored"
    if not force and _version(now) != _version(made):
        runner.journal.mark(seq, "refused", error="changed by someone else since the apply")
        return "left alone: the forecast changed in WFM since the apply (use --force)"
    try:
        runner.run_step(
            seq,
            step.queue_name,
            "wfm forecast",
            lambda: client.wfm.delete_short_term_forecast(unit, week, made["id"]),
            "delete the imported forecast",
        )
    except NotFoundError:
        runner.journal.mark(seq, "verified", error="already deleted")
        return "restored"
    runner.journal.mark(seq, "verified")
    return "restored"
