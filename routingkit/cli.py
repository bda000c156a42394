"""The ``routingkit`` command."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .report.runner import DEFAULT_OUTPUT_DIR, REPORTS_DIR
from .signals import Stopped, stop_on_signals
from .wfm_commands import add_wfm_commands, run_wfm

INTERRUPTED = 130  # the shell's status for a command stopped by Ctrl-C (128 + SIGINT)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="routingkit",
        description="Staffing models and safe routing deployment for Genesys Cloud.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="run the notebooks on the sandbox org (or the org in GENESYSCLOUD_*)"
    )
    demo.add_argument(
        "--output-dir",
        type=Path,
        default=REPORTS_DIR,
        help=f"reports go to OUTPUT_DIR/<timestamp>/ (default {REPORTS_DIR})",
    )
    report = commands.add_parser("report", help="run one notebook as a report with papermill")
    report.add_argument("notebook", type=Path)
    report.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a notebook parameter (repeatable)",
    )
    report.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help=f"where the report goes (default {DEFAULT_OUTPUT_DIR}, as the notebooks' own "
        "output_dir in routingkit lab)",
    )
    report.add_argument(
        "--for-each",
        choices=("queue",),
        default=None,
        help="run the notebook once per queue, each into OUTPUT_DIR/<queue>/, with an "
        "index.html linking every report",
    )
    report.add_argument(
        "--queue",
        action="append",
        default=[],
        metavar="NAME",
        help="with --for-each queue: a queue to report on (repeatable; default: every queue "
        "of the org)",
    )
    report.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler for the work: an address (tcp://host:8786), 'local' for a "
        "LocalCluster here, 'in-process' for none (default: DASK_SCHEDULER_ADDRESS, else "
        "in-process). --for-each runs the reports on its workers; a single report's sweeps "
        "run there. Needs pip install 'routingkit[dask]'",
    )
    report.add_argument(
        "--workers", type=int, default=None, help="worker processes of --scheduler local"
    )
    staffing = commands.add_parser(
        "staffing",
        help="required agents for a workload CSV (Erlang C/A), and its capacity plan",
        description="Required agents per interval for a typical-week workload CSV, by the "
        "same pipeline as the notebooks. Columns: queue, interval_start (HH:MM with weekday, "
        "or a date and time), offered (or arrival_rate per second), aht_seconds; optional "
        "queue_id, media_type, patience_seconds, goal ('80%% in 20s') or goal_service_level "
        "and target_seconds, concurrency.",
    )
    staffing.add_argument(
        "--workload",
        type=Path,
        default=None,
        help="workload CSV (default: the sample shipped with routingkit)",
    )
    staffing.add_argument(
        "--goal", default=None, help="service goal for every queue, e.g. '80%% in 20s'"
    )
    staffing.add_argument(
        "--goal-for",
        nargs=2,
        action="append",
        default=[],
        metavar=("QUEUE", "GOAL"),
        help="service goal for one queue (name or id), e.g. --goal-for 'VIP' '90%% in 10s'",
    )
    staffing.add_argument("--shrinkage", type=float, default=0.3, help="default 0.3")
    staffing.add_argument("--max-abandon", type=float, default=None, help="Erlang A cap (none)")
    staffing.add_argument("--max-occupancy", type=float, default=None, help="cap (none)")
    staffing.add_argument("--max-asa", type=float, default=None, help="seconds (none)")
    staffing.add_argument(
        "--model", choices=("erlang_c", "erlang_a"), default="erlang_a", help="for the plan"
    )
    staffing.add_argument(
        "--interval-minutes",
        type=int,
        default=None,
        help="interval length (default: detected from the file)",
    )
    staffing.add_argument(
        "--output-dir", type=Path, default=None, help="write capacity_plan.json/.csv here"
    )
    _add_policy_commands(commands)
    add_wfm_commands(commands)
    lab = commands.add_parser(
        "lab",
        help="JupyterLab on the notebooks and the reports, with a sandbox org",
        description="JupyterLab on a workspace folder holding notebooks/ (routingkit's notebooks, "
        "copied there on first use when missing) and reports/. Kernels work in the workspace, "
        "so a notebook writes to the same reports/latest as 'routingkit report' run there.",
    )
    lab.add_argument("--port", type=int, default=8888)
    lab.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="the workspace folder (default: the current folder)",
    )
    sandbox = commands.add_parser("sandbox", help="the embedded Genesys Cloud org")
    sandbox_commands = sandbox.add_subparsers(
        dest="sandbox_command", required=True, metavar="ACTION"
    )
    serve = sandbox_commands.add_parser("serve", help="serve the sandbox org over HTTP")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to bind (default 127.0.0.1: this machine only; any other needs a client "
        "secret of your own in ROUTINGKIT_SANDBOX_CLIENT_SECRET)",
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests addressed to NAME (their Host header), e.g. this machine's "
        "name for other machines; loopback names and --host are always answered (repeatable)",
    )
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument(
        "--db",
        type=Path,
        default=None,
        help="database file (default ~/.cache/routingkit/sandbox.sqlite3)",
    )
    serve.add_argument("--seed", type=int, default=42, help="synthetic org seed (new db only)")
    serve.add_argument("--days", type=int, default=60, help="days of history (new db only)")
    serve.add_argument("--rate-limit", type=int, default=300, help="requests per minute per token")
    serve.add_argument("--token-ttl", type=int, default=86400, help="token lifetime, seconds")
    serve.add_argument("--client-id", default=None)
    serve.add_argument(
        "--client-secret",
        default=None,
        help="prefer the ROUTINGKIT_SANDBOX_CLIENT_SECRET variable: a command line is visible "
        "to other users",
    )
    serve.add_argument(
        "--fault-rate",
        type=float,
        default=0.0,
        help="fraction of /api/v2 requests to fail (0 = off)",
    )
    serve.add_argument(
        "--fault-pattern",
        default="/api/v2/*",
        help="glob on the path or 'METHOD /path' that faults apply to",
    )
    serve.add_argument(
        "--fault-kinds",
        default="429,500,503,504,delay,drop",
        help="comma-separated: 429,500,503,504,delay,drop",
    )
    serve.add_argument("--fault-seed", type=int, default=0)
    reset = sandbox_commands.add_parser(
        "reset",
        help="delete the sandbox database (stopping the background sandbox org first)",
    )
    reset.add_argument("--db", type=Path, default=None)
    sandbox_commands.add_parser(
        "status",
        help="whether a sandbox org runs here: URL, process id, database, uptime "
        "(exit 0 running, 3 not running)",
    )
    sandbox_commands.add_parser(
        "stop",
        help="stop the background sandbox org (exit 0 when stopped or none runs, 1 when it "
        "cannot be stopped from here)",
    )
    return parser


def _sandbox(args: argparse.Namespace) -> int:
    from .sandbox.config import (
        ADMIN_SECRET_HEADER,
        DEFAULT_CLIENT_SECRET,
        FAULT_KINDS,
        FaultRule,
        SandboxConfig,
        UnsafeBindError,
        admin_secret_path,
        default_db_path,
    )

    if args.sandbox_command == "status":
        return _sandbox_status()
    if args.sandbox_command == "stop":
        return _sandbox_stop()
    db = args.db or default_db_path()
    if args.sandbox_command == "reset":
        return _sandbox_reset(db, admin_secret_path(db))
    from .sandbox.server import SandboxServer

    kinds = tuple(k.strip() for k in args.fault_kinds.split(",") if k.strip())
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown or not 0.0 <= args.fault_rate <= 1.0:
        print(
            f"routingkit sandbox serve: --fault-kinds takes {','.join(FAULT_KINDS)} and "
            "--fault-rate a fraction in [0, 1]",
            file=sys.stderr,
        )
        return 2
    config = SandboxConfig(
        host=args.host,
        port=args.port,
        db_path=db,
        seed=args.seed,
        days=args.days,
        rate_limit_per_minute=args.rate_limit,
        token_ttl_seconds=args.token_ttl,
        fault_seed=args.fault_seed,
        allowed_hosts=tuple(args.allowed_host),
    )
    if args.client_id:
        config.client_id = args.client_id
    secret = args.client_secret or os.environ.get("ROUTINGKIT_SANDBOX_CLIENT_SECRET")
    if secret:
        config.client_secret = secret
    chosen_admin_secret = os.environ.get("ROUTINGKIT_SANDBOX_ADMIN_SECRET")
    if chosen_admin_secret:
        config.admin_secret = chosen_admin_secret
    if args.fault_rate > 0:
        config.faults = [FaultRule(pattern=args.fault_pattern, rate=args.fault_rate, kinds=kinds)]
    try:
        config.check_exposure()
    except UnsafeBindError as exc:
        print(f"routingkit sandbox serve: {exc}", file=sys.stderr)
        return 2
    server = SandboxServer(config)
    print(f"routingkit sandbox org (database {db}; seeding on first start takes a few seconds)")
    try:
        server.bind()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(f"routingkit sandbox serve: {_port_taken(args.host, args.port)}", file=sys.stderr)
        else:
            why = exc.strerror or exc
            print(f"routingkit sandbox serve: cannot start on {server.url}: {why}", file=sys.stderr)
        return 1
    print(f"  GENESYSCLOUD_REGION={server.url}")
    print(f"  GENESYSCLOUD_OAUTHCLIENT_ID={config.client_id}")
    if config.client_secret == DEFAULT_CLIENT_SECRET:  # the public default: safe to show
        print(f"  GENESYSCLOUD_OAUTHCLIENT_SECRET={config.client_secret}")
    else:
        print("  GENESYSCLOUD_OAUTHCLIENT_SECRET=<the secret you set>")
    # The admin secret is never printed: this output often goes to a log.
    print(f"/sandbox/admin/* takes the admin secret in the {ADMIN_SECRET_HEADER} header:")
    written: Path | None = None
    try:
        if chosen_admin_secret:
            print("  admin secret: the one in ROUTINGKIT_SANDBOX_ADMIN_SECRET")
        else:
            written = server.write_admin_secret(admin_secret_path(db))
            print(
                f"  admin secret file: {written.resolve()} (readable by you only; new on every "
                "start)"
            )
        print("Ctrl-C stops it.", flush=True)
        # uvicorn stops serving on Ctrl-C or SIGTERM, then passes the signal on: main() turns
        # it into the exit status, after the clean-up here.
        server.serve_forever()
    finally:
        server.stop()
        if written is not None:
            _remove_own_secret(written, server.config.admin_secret)
    return 0


def _remove_own_secret(path: Path, secret: str) -> None:
    """Remove the admin-secret file this server wrote, unless another server on the same
    database has written its own there since."""
    with contextlib.suppress(OSError):
        if path.read_text().strip() == secret:
            path.unlink()


def _port_taken(host: str, port: int) -> str:
    """Why ``port`` cannot be served on, and what to do, in one line."""
    from .sandbox.background import find_running

    running = find_running()
    where = f"port {port} on {host} is in use"
    if running is not None and running.url.endswith(f":{port}"):
        if running.in_background:
            return (
                f"{where} by the background sandbox org (process {running.pid}); stop it with "
                "'routingkit sandbox stop', or serve on another --port"
            )
        return (
            f"{where} by another sandbox org ({running.url}); stop it where it runs (Ctrl-C), "
            "or serve on another --port"
        )
    return f"{where} by another program; serve on another --port"


def _sandbox_status() -> int:
    """Whether a sandbox org runs here; exit 0 when one does, 3 when none does (as LSB
    init scripts and systemctl say "not running"), 1 when the background one does not answer."""
    from .sandbox.background import find_running, log_file, unresponsive

    hung = unresponsive()
    if hung is not None:
        print(f"the background sandbox org (process {hung.pid}) does not answer at {hung.url}")
        print(f"  see its log, {log_file()}; 'routingkit sandbox stop' stops it")
        return 1
    running = find_running()
    if running is None:
        print("no sandbox org is running here")
        return 3
    if not running.in_background:
        print(f"a sandbox org is running at {running.url}")
        print(
            "  not started in the background: a 'routingkit sandbox serve' in a terminal "
            "(its process and database are shown there; Ctrl-C there stops it)"
        )
        return 0
    print(f"the background sandbox org is running at {running.url}")
    print(f"  process:  {running.pid}")
    print(f"  database: {running.database}")
    if running.started is not None:
        up = _duration(dt.datetime.now() - running.started)
        print(f"  started:  {running.started:%Y-%m-%d %H:%M:%S} (up {up})")
    print(f"  log:      {log_file()}")
    print("  stop it with: routingkit sandbox stop")
    return 0


def _duration(elapsed: dt.timedelta) -> str:
    seconds = max(0, int(elapsed.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def _sandbox_stop() -> int:
    """Stop the background sandbox org: exit 0 when stopped or when none runs (the state asked
    for holds), 1 when the one running cannot be stopped from here."""
    from .sandbox.background import SandboxStopError, stop

    try:
        stopped = stop()
    except SandboxStopError as exc:
        print(f"routingkit sandbox stop: {exc}", file=sys.stderr)
        return 1
    if stopped is None:
        print("no background sandbox org is running: nothing to stop")
    else:
        print(f"stopped the background sandbox org at {stopped.url} (process {stopped.pid})")
    return 0


def _sandbox_reset(db: Path, admin_secret: Path) -> int:
    """Delete ``db``; first stop the background sandbox org serving it, and refuse while a
    sandbox this command cannot stop may be serving it."""
    from .sandbox.background import SandboxStopError, find_running, stop
    from .sandbox.config import default_db_path
    from .sandbox.dblock import DatabaseInUse, held_exclusively

    running = find_running()
    if running is not None and _same_file(db, running.database or default_db_path()):
        if not running.in_background:
            print(
                f"routingkit sandbox reset: a sandbox org at {running.url} may be serving {db} "
                "('routingkit sandbox serve' in a terminal): stop it there (Ctrl-C), then reset",
                file=sys.stderr,
            )
            return 1
        try:
            stop()
        except SandboxStopError as exc:
            print(f"routingkit sandbox reset: {exc}; {db} is left as it is", file=sys.stderr)
            return 1
        print(f"stopped the background sandbox org at {running.url} (process {running.pid})")
    files = (db, Path(f"{db}-wal"), Path(f"{db}-shm"), admin_secret)
    try:
        with held_exclusively(db):  # no sandbox server runs on it, and none starts meanwhile
            removed = [p for p in files if p.exists()]
            for path in removed:
                path.unlink()
    except DatabaseInUse:
        print(
            f"routingkit sandbox reset: {db} is in use by a running sandbox org (routingkit "
            "lab, report, demo or sandbox serve); stop the background one with 'routingkit "
            "sandbox stop', the others with Ctrl-C where they run; nothing was deleted",
            file=sys.stderr,
        )
        return 1
    print(f"removed {db}" if removed else f"nothing to remove at {db}")
    return 0


def _same_file(a: Path, b: Path) -> bool:
    return a.expanduser().resolve() == b.expanduser().resolve()


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    # SIGTERM and SIGHUP unwind the command as Ctrl-C does (exit 143 and 129).
    with stop_on_signals():
        try:
            return _run(args)
        except KeyboardInterrupt as exc:
            # Ctrl-C or a signal: what the command started (kernels, the sandbox org,
            # JupyterLab, a report's staging folder) has been stopped on the way here; a
            # traceback would say nothing more.
            if args.command in ("report", "demo"):
                print(f"routingkit {args.command}: interrupted", file=sys.stderr)
            return exc.status if isinstance(exc, Stopped) else INTERRUPTED


def _run(args: argparse.Namespace) -> int:
    if args.command == "sandbox":
        return _sandbox(args)
    if args.command == "staffing":
        return _staffing(args)
    if args.command == "wfm":
        return run_wfm(args)
    if args.command in ("policy", "validate", "plan", "apply", "rollback", "audit"):
        from .policy_commands import run as run_policy

        return run_policy(args)
    if args.command == "report":
        return _report(args)
    if args.command == "demo":
        from .demo import run_demo
        from .report import ReportError
        from .report.progress import Progress

        try:
            out = run_demo(args.output_dir, progress=Progress())
        except ReportError as exc:
            print(f"routingkit demo: {exc}", file=sys.stderr)
            return 1
        print(f"reports written to {out}\nopen {out / 'index.html'}")
        return 0
    if args.command == "lab":
        from .lab import run_lab

        return run_lab(args.port, args.dir)
    return 0


def _report(args: argparse.Namespace) -> int:
    from .demo import org_environment
    from .genesys import GenesysError
    from .policy.cluster import SchedulerError
    from .report import ReportError, check_parameters, run_report
    from .report.progress import Progress

    if args.queue and not args.for_each:
        print("routingkit report: --queue names the queues of --for-each queue", file=sys.stderr)
        return 2
    try:
        if not args.for_each:  # refused before any org is started
            check_parameters(args.notebook, dict(args.parameter))
        # Without credentials the notebooks get a sandbox org's, in their environment.
        with org_environment() as org:
            if org.sandbox_db is not None:
                print(f"no Genesys Cloud credentials: reporting on {org}", file=sys.stderr)
            if args.for_each:
                return _report_for_each(args)
            with _kernel_scheduler(args.scheduler, args.workers):
                result = run_report(
                    args.notebook, dict(args.parameter), args.output_dir, progress=Progress()
                )
    except (ReportError, SchedulerError, GenesysError) as exc:
        print(f"routingkit report: {exc}", file=sys.stderr)
        return 1
    print(f"{result.html}\n{result.executed}\n{result.summary}")
    return 0


@contextlib.contextmanager
def _kernel_scheduler(scheduler: str | None, workers: int | None) -> Iterator[None]:
    """The notebook's kernel finds the scheduler asked for in DASK_SCHEDULER_ADDRESS."""
    from .policy.cluster import ADDRESS_VARIABLE, IN_PROCESS, dask_client

    if scheduler is None:
        yield
        return
    with dask_client(scheduler, workers=workers) as client:
        saved = os.environ.get(ADDRESS_VARIABLE)
        os.environ[ADDRESS_VARIABLE] = IN_PROCESS if client is None else client.scheduler.address
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop(ADDRESS_VARIABLE, None)
            else:
                os.environ[ADDRESS_VARIABLE] = saved


def _report_for_each(args: argparse.Namespace) -> int:
    from .policy.cluster import dask_executor
    from .report.fanout import FanOutItem, run_for_each

    values = args.queue or _org_queue_names()
    count = 0

    def said(item: FanOutItem) -> None:
        nonlocal count
        count += 1
        state = f"{item.result.seconds:.0f} s" if item.result else f"failed: {item.error}"
        print(f"[{count}/{len(values)}] {item.value}: {state}", file=sys.stderr, flush=True)

    with dask_executor(args.scheduler, workers=args.workers) as executor:
        result = run_for_each(
            args.notebook,
            values,
            args.output_dir,
            dimension=args.for_each,
            parameters=dict(args.parameter),
            executor=executor,
            on_done=said,
        )
    for item in result.failed:
        print(f"routingkit report: {item.value}: {item.error}", file=sys.stderr)
    print(result.index)
    return 1 if result.failed else 0


def _org_queue_names() -> list[str]:
    """Every queue of the org the notebooks will talk to (the same search as theirs)."""
    from .genesys import connect

    with connect() as client:
        return sorted({q.name for q in client.queues.list() if q.name})


def _add_policy_commands(commands: Any) -> None:
    def org_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--sandbox",
            action="store_true",
            help="without GENESYSCLOUD_* credentials, use the local sandbox org (never implied)",
        )

    policy = commands.add_parser("policy", help="routing policy as code: export")
    actions = policy.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="the org's current configuration as a policy")
    export.add_argument("--queue", action="append", default=[], metavar="NAME")
    export.add_argument("-o", "--output", type=Path, default=None, help="YAML (or .json) file")
    export.add_argument("--no-utilization", action="store_true", help="leave utilization out")
    org_options(export)
    validate = commands.add_parser("validate", help="check a policy offline and against the org")
    validate.add_argument("policy", type=Path)
    validate.add_argument("--offline", action="store_true", help="schema and limits only")
    validate.add_argument("--capacities", type=Path, default=None, help="capacity_plan.json")
    org_options(validate)
    plan = commands.add_parser("plan", help="what a policy would change, and its effect")
    plan.add_argument("policy", type=Path)
    plan.add_argument("--capacities", type=Path, default=None, help="capacity_plan.json")
    plan.add_argument("-o", "--output", type=Path, default=None, help="write the plan (JSON)")
    plan.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 0 for no changes, 2 for changes planned, 1 for an error",
    )
    plan.add_argument(
        "--network-replications",
        type=int,
        default=10,
        metavar="N",
        help="replications of the routing-network simulation, with --capacities, where "
        "bullseye, conditional routing or shared agents matter (default 10; 0: off)",
    )
    plan.add_argument(
        "--forecast-week",
        type=dt.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="also import the capacity plan's week (--capacities) into WFM as the short-term "
        "forecast of the week starting that day (the business unit's first day of the week)",
    )
    plan.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDR",
        help="simulate the routing-network groups on this Dask scheduler ('local': a "
        "LocalCluster; default: DASK_SCHEDULER_ADDRESS if set, else this process)",
    )
    org_options(plan)
    apply = commands.add_parser("apply", help="apply a reviewed plan (or resume an apply)")
    apply.add_argument("plan", type=Path, nargs="?", help="plan.json from 'routingkit plan'")
    apply.add_argument("--approve", metavar="PLAN_ID", help="the id of the plan you reviewed")
    apply.add_argument("--resume", metavar="APPLY_ID", help="finish an interrupted apply")
    apply.add_argument(
        "--on-error",
        choices=("stop", "continue", "rollback"),
        default="stop",
        help="when a queue fails or changed since the plan (default stop)",
    )
    apply.add_argument("--max-age-hours", type=float, default=24.0, help="refuse older plans")
    org_options(apply)
    rollback = commands.add_parser("rollback", help="restore what an apply changed")
    rollback.add_argument("apply_id", metavar="APPLY_ID")
    rollback.add_argument(
        "--force", action="store_true", help="also restore objects changed by others since"
    )
    org_options(rollback)
    audit = commands.add_parser("audit", help="the audit log of applies and rollbacks")
    audit.add_argument("--since", default=None, help="YYYY-MM-DD (UTC) or an ISO timestamp")
    audit.add_argument("--org", default=None, help="org id (default: every org)")


def _staffing(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from .policy import StaffingOptions
    from .staffing_table import render, staff_workload

    try:
        options = StaffingOptions(
            max_abandon=args.max_abandon,
            max_occupancy=args.max_occupancy,
            max_asa_seconds=args.max_asa,
            shrinkage=args.shrinkage,
            model=args.model,
        )
    except ValidationError as exc:
        fields = "; ".join(
            f"--{str(e['loc'][0]).replace('_seconds', '').replace('_', '-')}: {e['msg']}"
            for e in exc.errors()
        )
        print(f"routingkit staffing: {fields}", file=sys.stderr)
        return 2
    try:
        plan, capacity = staff_workload(
            args.workload,
            options=options,
            goal=args.goal,
            goal_for=dict(args.goal_for),
            interval_minutes=args.interval_minutes,
        )
    except (OSError, ValueError) as exc:
        print(f"routingkit staffing: {exc}", file=sys.stderr)
        return 2
    print(render(plan, capacity))
    if args.output_dir is not None:
        for path in capacity.save(args.output_dir):
            print(f"written: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
