"""The demo: the notebooks, in order, on the sandbox org (or the org in the environment).

Part of the command layer (``routingkit demo``, ``routingkit lab``, ``routingkit report``): it
is the one place that starts a sandbox for notebooks (:func:`org_environment`), so neither the
report package nor ``routingkit.genesys.connect()`` ever depends on, picks or starts one.

Writes ``reports/<timestamp>/`` with each executed notebook, its HTML report (no code), its JSON
summary, the tables and capacities the notebooks save, and an ``index.html`` linking them.
``reports/`` is the folder the notebooks' own ``reports/latest`` is in, from ``routingkit lab``
and ``routingkit report`` alike (``report.runner.REPORTS_DIR``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .report import ReportResult, run_report
from .report.progress import Progress, Quiet
from .report.runner import REPORTS_DIR
from .resources import notebooks_dir

NOTEBOOKS_DIR = notebooks_dir()
DEMO_NOTEBOOKS = ("01_history.ipynb", "02_staffing.ipynb", "03_deploy.ipynb")
CREDENTIAL_VARIABLES = (
    "GENESYSCLOUD_OAUTHCLIENT_ID",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
    "GENESYSCLOUD_REGION",
)


def has_credentials() -> bool:
    """Whether the environment or a profile names an org (see ``genesys.has_credentials``):
    then the notebooks talk to it, and no sandbox stands in, even for incomplete ones."""
    from .genesys import has_credentials as named

    return named()


@dataclass(frozen=True)
class OrgEnvironment:
    """The org the notebooks will talk to; ``sandbox_db`` is set when it is a sandbox we run."""

    label: str
    sandbox_db: Path | None = None

    def __str__(self) -> str:
        return self.label


@contextmanager
def org_environment(
    db_path: Path | None = None, **sandbox_options: Any
) -> Iterator[OrgEnvironment]:
    """The org to report on: the one the environment or a profile names, else a sandbox
    started for the run (in this process, on ``db_path``, stopped on the way out).

    This is the explicit entry point that lets notebooks reach the sandbox without
    credentials: the sandbox's URL and client go into the ``GENESYSCLOUD_*`` variables, which the
    kernels papermill (or JupyterLab) starts inherit, so the notebooks' plain ``connect()``
    finds it, and credentials never become parameters.
    """
    if has_credentials():
        yield OrgEnvironment("the org named by GENESYSCLOUD_* variables or a profile")
        return
    from .sandbox import running_sandbox
    from .sandbox.config import default_db_path

    db = db_path or default_db_path()
    with running_sandbox(db, **sandbox_options) as org:
        saved = {v: os.environ.get(v) for v in CREDENTIAL_VARIABLES}
        os.environ.update(
            {
                "GENESYSCLOUD_OAUTHCLIENT_ID": org.config.client_id,
                "GENESYSCLOUD_OAUTHCLIENT_SECRET": org.config.client_secret,
                "GENESYSCLOUD_REGION": org.url,
            }
        )
        try:
            yield OrgEnvironment(f"the sandbox org at {org.url}", sandbox_db=db)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def write_index(out: Path, results: list[ReportResult], org: object) -> Path:
    """``index.html`` in ``out``: each report's headlines in words and its tables, then the
    files no report claims (see ``report.index``)."""
    from .report.index import index_html, notebook_title, read_entry

    entries = [
        read_entry(r.summary, seconds=r.seconds, title=notebook_title(r.executed)) for r in results
    ]
    claimed = {f for e in entries for f in e.files} | {
        p.name for r in results for p in (r.html, r.executed, r.summary)
    }
    others = [
        p.name
        for p in out.iterdir()
        if p.is_file() and p.suffix in (".csv", ".json", ".png") and p.name not in claimed
    ]
    index = out / "index.html"
    index.write_text(
        index_html(entries, org=str(org), made_at=dt.datetime.now(), other_files=others),
        encoding="utf-8",
    )
    return index


def run_demo(
    output_root: Path | str = REPORTS_DIR,
    *,
    db_path: Path | None = None,
    parameters: dict[str, dict[str, Any]] | None = None,
    progress: Progress | None = None,
    **sandbox_options: Any,
) -> Path:
    """Run the demo notebooks; return the folder holding the reports.

    ``parameters`` maps notebook file names to their parameters; ``sandbox_options`` go to the
    sandbox org when one is started (e.g. ``today`` to pin its calendar). ``progress``: where to
    say what runs, one line per stage (nothing is said without one).
    """
    said = progress or Quiet()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path(output_root) / stamp
    out.mkdir(parents=True, exist_ok=True)
    results = []
    with org_environment(db_path, **sandbox_options) as org:
        if org.sandbox_db is not None:
            said.say(f"no Genesys Cloud credentials: reporting on {org}")
        extras = {name: dict((parameters or {}).get(name, {})) for name in DEMO_NOTEBOOKS}
        staffing = extras.get("02_staffing.ipynb")
        if (
            org.sandbox_db is not None
            and staffing is not None
            and not staffing.get("staffing_week")
        ):
            # Scheduled and staffed agents come from the org's schedules and routing status,
            # as on any org; WFM's own requirement needs a forecast of the week compared,
            # which a new sandbox has not got: the demo gives WFM the typical week first.
            today = sandbox_options.get("today") or dt.date.today()
            week, line = wfm_demo_forecast(today)
            said.say(line)
            if week is not None:
                staffing["staffing_week"] = week.isoformat()
        for name in DEMO_NOTEBOOKS:
            if name == "03_deploy.ipynb":
                deploy = extras[name]
                capacity = out / "capacity_plan.json"
                if capacity.exists():
                    deploy.setdefault("capacity_plan_file", str(capacity.resolve()))
                if org.sandbox_db is not None and "approve_plan_id" not in deploy:
                    # The demo approves its own plan, on the sandbox only: the id of the plan
                    # the notebook will make from the same org, policy and capacity plan.
                    deploy["approve_plan_id"] = demo_plan_id(deploy)
            results.append(run_report(NOTEBOOKS_DIR / name, extras[name], out, progress=said))
    said.say(f"index written: {write_index(out, results, org).resolve()}")
    return out


def wfm_demo_forecast(today: dt.date, days: int = 28) -> tuple[dt.date | None, str]:
    """On the org in the environment: the last complete WFM week before ``today``, with the
    typical week of the ``days`` before ``today`` imported as its short-term forecast (unless
    it has one), and a line saying what was done; (None, why) without WFM."""
    from zoneinfo import ZoneInfo

    from .genesys import GenesysError, connect
    from .policy.org_inputs import business_unit
    from .policy.wfm_sync import WfmSyncError, push_forecast
    from .policy.workforce import last_complete_week
    from .wfm_commands import history_week

    with connect() as client:
        try:
            unit = business_unit(client, None)
        except (GenesysError, WfmSyncError) as exc:
            return None, f"WFM: not compared ({exc})"
        assert unit.id is not None
        week = last_complete_week(unit, today)
        if client.wfm.short_term_forecasts(unit.id, week):
            return week, f"WFM: comparing the week of {week} with its existing forecast"
        zone = (unit.settings.time_zone if unit.settings else None) or "UTC"
        end = min(today, dt.datetime.now(ZoneInfo(zone)).date())
        typical, _ = history_week(client, unit, days, end)
        push_forecast(
            client,
            typical,
            week,
            business_unit_id=unit.id,
            description=f"routingkit demo: typical week of the {days} days before {end}",
        )
    return week, f"WFM: the typical week of the last {days} days imported as the forecast of {week}"


def demo_plan_id(parameters: dict[str, Any]) -> str:
    """The id of the plan 03_deploy will make with ``parameters`` (on the org in the
    environment): what a reviewer approves after reading the plan."""
    from .genesys import connect
    from .policy import CapacityPlan
    from .policy.plan import build_plan
    from .policy.spec import Policy
    from .resources import demo_policy_path

    policy = Policy.load(parameters.get("policy_file") or demo_policy_path())
    capacity_file = parameters.get("capacity_plan_file")
    capacity = CapacityPlan.load(capacity_file) if capacity_file else None
    with connect(sandbox=False) as client:
        return build_plan(client, policy, capacity=capacity).id
