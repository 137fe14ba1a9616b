"""The audit log: every read of a person's data and every change is chained; tampering shows."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from credence.cli.service_cmd import register
from credence.rights.disclosure import grant
from credence.store.audit import GENESIS, chain_hash
from tests.conftest import ScoredCity
from tests.test_service_support import copy_city, serve

runner = CliRunner()


def _cli() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture(scope="module")
def logged(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace whose log holds reads by a subject, a bank and an auditor, and a change."""
    root = copy_city(scored_city, tmp_path_factory.mktemp("audit") / "ws")
    with serve(root) as served:
        person = served.one(
            "SELECT subject_code FROM scores WHERE subject_kind = 'person' AND scored "
            "ORDER BY subject_code LIMIT 1"
        )
        me = served.key("subject", person)
        bank = {**served.key("relying_party", label="Bank"), "X-Purpose": "lease_assessment"}
        with served.client.app.state.service.db.write() as con:  # type: ignore[attr-defined]
            grant(con, person, "lease_assessment")  # given before this log begins
        for _ in range(2):
            assert served.client.get("/me", headers=me).status_code == 200
            assert served.client.get(f"/relying/subjects/{person}", headers=bank).status_code == 200
        plan = {"size": 3, "seed": 4}
        ops = served.key("operator")
        assert served.client.post("/operator/inspections/plans", headers=ops, json=plan).is_success
        verdict = served.client.get("/auditor/audit/verify", headers=served.key("auditor"))
        assert verdict.json()["ok"] is True and verdict.json()["entries"] == 5  # then logged
    return root


def _tampered(logged: Path, tmp_path: Path, *statements: str) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(logged, root)
    con = duckdb.connect(str(root / "catalog.duckdb"))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()
    return root


def _verify(root: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(_cli(), ["audit", "verify", "-w", str(root), *extra])
    return result.exit_code, result.output


def test_each_entry_chains_to_the_one_before(logged: Path) -> None:
    con = duckdb.connect(str(logged / "catalog.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT seq, logged_at, actor, role, purpose, subject_kind, subject_code, action, "
            "detail, prev_hash, hash FROM audit_log ORDER BY seq"
        ).fetchall()
    finally:
        con.close()
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    previous = GENESIS
    for *_, prev_hash, digest in rows:
        assert prev_hash == previous
        previous = digest
    _, at, actor, role, purpose, kind, code, action, detail, prev_hash, digest = rows[0]
    values = {
        "logged_at": at, "actor": actor, "role": role, "purpose": purpose, "subject_kind": kind,
        "subject_code": code, "action": action, "detail": detail,
    }  # fmt: skip
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert digest == hashlib.sha256((GENESIS + canonical).encode()).hexdigest()
    assert digest == chain_hash(prev_hash, values)
    assert [r[7] for r in rows] == [
        "file.read", "file.read", "file.read", "file.read", "inspection_plan.created",
        "audit.verified",
    ]  # fmt: skip
    assert {r[4] for r in rows[:4]} == {"own_file", "lease_assessment"}


def test_verify_passes_on_the_intact_log_and_checks_a_published_head(logged: Path) -> None:
    code, output = _verify(logged)
    assert code == 0 and "intact" in output and "6 entries" in output
    head = output.split("head ")[1].split()[0]
    assert _verify(logged, "--expect-head", head)[0] == 0
    code, output = _verify(logged, "--expect-head", "f" * 64)
    assert code == 1 and "published head" in output


def test_an_edited_entry_is_named(logged: Path, tmp_path: Path) -> None:
    root = _tampered(logged, tmp_path, "UPDATE audit_log SET purpose = 'marketing' WHERE seq = 2")
    code, output = _verify(root)
    assert code == 1
    assert "entry 2" in output and "edited" in output


def test_reordered_entries_are_named(logged: Path, tmp_path: Path) -> None:
    root = _tampered(
        logged, tmp_path,
        "UPDATE audit_log SET seq = 100 WHERE seq = 2",
        "UPDATE audit_log SET seq = 2 WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = 100",
    )  # fmt: skip
    code, output = _verify(root)
    assert code == 1 and "reordered" in output and "edited" not in output


def test_a_removed_entry_is_named(logged: Path, tmp_path: Path) -> None:
    root = _tampered(logged, tmp_path, "DELETE FROM audit_log WHERE seq = 3")
    code, output = _verify(root)
    assert code == 1
    assert "entries 3 are missing" in output and "an entry before it removed" in output


def test_removing_the_newest_entry_shows_against_the_head(logged: Path, tmp_path: Path) -> None:
    root = _tampered(logged, tmp_path, "DELETE FROM audit_log WHERE seq = 6")
    code, output = _verify(root, "--json")
    assert code == 1
    problems = json.loads(output)["problems"]
    assert problems == [
        {"seq": 6, "problem": "the recorded head (6 entries) does not match the log"}
    ]


def test_keys_are_shown_once_and_stored_hashed(logged: Path, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(logged, root)
    made = runner.invoke(
        _cli(),
        ["keys", "create", "--role", "relying_party", "--purposes", "credit_assessment",
         "--label", "Bank", "-w", str(root), "--json"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    issued = json.loads(made.output)
    secret = issued["secret"]
    refused = runner.invoke(_cli(), ["keys", "create", "--role", "king", "-w", str(root)])
    assert refused.exit_code == 2 and "unknown role" in refused.output
    con = duckdb.connect(str(root / "catalog.duckdb"), read_only=True)
    try:
        stored = con.execute("SELECT * FROM api_keys").fetchall()
    finally:
        con.close()
    assert secret not in repr(stored)
    assert hashlib.sha256(secret.encode()).hexdigest() in repr(stored)
    with serve(root) as served:
        ok = served.client.get(
            "/relying/subjects/" + served.one(
                "SELECT subject_code FROM scores WHERE subject_kind = 'organization' LIMIT 1"
            ),
            headers={"X-API-Key": secret, "X-Purpose": "credit_assessment"},
        )  # fmt: skip
        assert ok.status_code == 200
    revoked = runner.invoke(_cli(), ["keys", "revoke", issued["key_id"], "-w", str(root)])
    assert revoked.exit_code == 0
    with serve(root) as served:
        gone = served.client.get("/relying/subjects/x", headers={"X-API-Key": secret})
        assert gone.status_code == 401
    listed = runner.invoke(_cli(), ["audit", "log", "-w", str(root), "--json"])
    actions = [e["action"] for e in json.loads(listed.output)]
    assert actions[:3] == ["key.revoked", "file.read", "key.created"]
    assert _verify(root)[0] == 0
