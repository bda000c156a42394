"""``routingkit sandbox serve``: where its user finds the admin secret, and what it never prints."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
from sandbox_helpers import login_at, served

from routingkit.cli import main
from routingkit.sandbox import ADMIN_SECRET_HEADER


def test_serve_keeps_its_admin_secret_in_a_private_file(tmp_path: Path) -> None:
    with served(tmp_path / "org.sqlite3", "--days", "1") as serve:
        secret_file = serve.admin_secret_file()
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        secret = secret_file.read_text().strip()
        assert len(secret) >= 32 and secret not in serve.printed()
        admin = f"{serve.url}/sandbox/admin/faults"
        assert httpx.get(admin, headers={ADMIN_SECRET_HEADER: secret}).status_code == 200
        token = login_at(serve.url, "routingkit-sandbox", "sandbox-secret")
        assert httpx.get(admin, headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_serve_never_prints_an_admin_secret_of_your_choosing(tmp_path: Path) -> None:
    chosen = "an-admin-secret-chosen-by-the-user"
    env = {"ROUTINGKIT_SANDBOX_ADMIN_SECRET": chosen}
    with served(tmp_path / "org.sqlite3", "--days", "1", env=env) as serve:
        admin = f"{serve.url}/sandbox/admin/faults"
        assert httpx.get(admin, headers={ADMIN_SECRET_HEADER: chosen}).status_code == 200
        assert "ROUTINGKIT_SANDBOX_ADMIN_SECRET" in serve.printed()  # where it came from
    assert chosen not in serve.printed()
    assert not list(tmp_path.glob("*admin-secret*"))  # and it is not written anywhere


def test_reset_removes_the_admin_secret_file(tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite3"
    with served(db, "--days", "1") as serve:
        secret_file = serve.admin_secret_file()
    assert main(["sandbox", "reset", "--db", str(db)]) == 0
    assert not secret_file.exists() and not db.exists()
