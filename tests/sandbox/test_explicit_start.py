"""The sandbox starts only through explicit entry points, and analysts still reach it.

``routingkit.sandbox.background`` starts a long-lived one (once per machine); ``routingkit
report`` without credentials gives its notebook a sandbox's credentials in the environment; and
a database seeded before teams existed gets its teams and skill groups when it is opened.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from routingkit.sandbox import background, running_sandbox
from routingkit.sandbox.org import build_org


def test_ensure_running_starts_one_background_org_and_reuses_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    # keep off a sandbox the developer may be running on the default port
    monkeypatch.setattr(background, "DEFAULT_PORT", 9)
    monkeypatch.setattr(background, "_port_free", lambda port: False)
    assert background.find_running() is None
    first = background.ensure_running()
    try:
        assert first.pid is not None and first.url.startswith("http://127.0.0.1:")
        url, pid, start = background.state_file().read_text().split()
        assert (url, pid) == (first.url, str(first.pid))  # as older versions read it
        assert int(start) == first.process_start == background._start_time(first.pid)
        from routingkit.genesys import connect

        with connect(*first.credentials) as client:
            assert len(client.queues.list()) == 12
        again = background.ensure_running()  # found through the state file: nothing started
        assert (again.url, again.pid) == (first.url, first.pid)
        assert first.environment()["GENESYSCLOUD_REGION"] == first.url
    finally:
        os.killpg(first.pid or 0, signal.SIGTERM)


def test_report_without_credentials_gives_the_notebook_a_sandbox(tmp_path: Path) -> None:
    notebook = tmp_path / "queues.ipynb"
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('output_dir = "out"')
    params.metadata["tags"] = ["parameters"]
    count = (
        "import json, pathlib\n"
        "from routingkit.genesys import connect\n"
        "with connect() as client:\n"
        "    names = [q.name for q in client.queues.list()]\n"
        "pathlib.Path(output_dir, 'queues.json').write_text(json.dumps(names))"
    )
    nb.cells = [params, nbformat.v4.new_code_cell(count)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    nbformat.write(nb, notebook)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENESYSCLOUD_")}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))  # no profile either
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "routingkit.cli", "report", str(notebook), "--output-dir", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads((out / "queues.json").read_text())) == 12
    assert "no Genesys Cloud credentials: reporting on the sandbox org at" in result.stderr
    # the org ran for the command only: nothing left behind to find later
    assert not (tmp_path / "cache" / "routingkit" / "sandbox.url").exists()


def _as_before_teams(db: Path, seed: int) -> None:
    """Rewrite a database the way it was seeded before teams existed."""
    org = build_org(seed)
    group_of_team = {org.team_ids[t]: org.group_ids[t] for t in org.team_ids}
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM entities WHERE kind IN ('team', 'skillgroup')")
        conn.execute("DELETE FROM team_members")
        conn.execute("DELETE FROM meta WHERE key = 'member_groups'")
        for queue_id, body in conn.execute(
            "SELECT id, body FROM entities WHERE kind = 'queue'"
        ).fetchall():
            text = body
            for team_id, group_id in group_of_team.items():
                text = text.replace(team_id, group_id)
            conn.execute(
                "UPDATE entities SET body = ? WHERE kind = 'queue' AND id = ?", (text, queue_id)
            )
    conn.close()


def test_a_database_seeded_before_teams_gets_them_on_opening(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    with running_sandbox(db, days=1) as server:
        seed = server.config.seed
    _as_before_teams(db, seed)
    org = build_org(seed)
    with running_sandbox(db, days=1) as server:
        from routingkit.genesys import connect

        with connect(server.config.client_id, server.config.client_secret, server.url) as client:
            teams = {t.name: t.id for t in client.teams.list()}
            assert teams == org.team_ids
            assert len(client.teams.members(org.team_ids["Sales Team"])) == 20
            sales = client.queues.get_by_name("Sales - Voice")
            rules = sales.conditional_group_routing.rules if sales.conditional_group_routing else []
            assert (rules or [])[0].groups[0].id == org.team_ids["Sales Team"]  # type: ignore[index]
            client.queues.update(sales)  # its TEAM references are valid again
