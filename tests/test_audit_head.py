"""Signed audit heads: cutting the newest entries and moving the head, or rewriting an entry and
rechaining everything after it, passes the chain check but not a signed head kept elsewhere."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import typer
import uvicorn
from typer.testing import CliRunner

from credence.cli.service_cmd import register
from credence.store import audit_head
from credence.store.audit import GENESIS, HASHED, chain_hash
from credence.web import create_app
from tests.conftest import CITY_DAY, ScoredCity
from tests.test_service_soak import _free_port
from tests.test_service_support import copy_city, serve

runner = CliRunner()


def _cli() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def _run(*args: str) -> tuple[int, str]:
    """Exit code and output as one line of words (panels' borders and wrapping taken out)."""
    result = runner.invoke(_cli(), list(args))
    return result.exit_code, " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "audit.key"
    code, output = _run("audit", "key", "create", "--out", str(path))
    assert code == 0, output
    return path


@pytest.fixture(scope="module")
def signed(
    scored_city: ScoredCity, key: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """A served workspace whose log the service signed at start and stop, and the head an
    auditor kept (fetched from the service before it stopped)."""
    root = copy_city(scored_city, tmp_path_factory.mktemp("signed") / "ws")
    kept = root.parent / "kept-head.json"
    with serve(root, audit_key=key) as served:
        person = served.one(
            "SELECT subject_code FROM scores WHERE subject_kind = 'person' ORDER BY 1 LIMIT 1"
        )
        me = served.key("subject", person)
        for _ in range(3):
            assert served.client.get("/me", headers=me).status_code == 200
        assert served.client.post("/operator/inspections/plans", headers=served.key(
            "operator"), json={"size": 3, "seed": 4}).is_success  # fmt: skip
    code, output = _run(
        "audit", "checkpoint", "-w", str(root), "--key", str(key), "--out", str(kept)
    )
    assert code == 0, output
    return root, kept


def _copy(root: Path, tmp_path: Path, *statements: str) -> Path:
    target = tmp_path / "ws"
    shutil.copytree(root, target)
    con = duckdb.connect(str(target / "catalog.duckdb"))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()
    return target


def _rechain(root: Path, first: int) -> None:
    """What a catalog writer can do: recompute every hash from entry ``first`` and move the
    recorded head, so the chain alone holds."""
    con = duckdb.connect(str(root / "catalog.duckdb"))
    try:
        rows = con.execute(
            f"SELECT seq, {', '.join(HASHED)}, prev_hash FROM audit_log ORDER BY seq"
        ).fetchall()
        prev = GENESIS
        for seq, *values, _prev_hash in rows:
            if seq < first:
                prev = con.execute("SELECT hash FROM audit_log WHERE seq = ?", [seq]).fetchone()[0]
                continue
            digest = chain_hash(prev, dict(zip(HASHED, values, strict=True)))
            con.execute(
                "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", [prev, digest, seq]
            )
            prev = digest
        con.execute("UPDATE audit_head SET entries = ?, hash = ?", [rows[-1][0], prev])
    finally:
        con.close()


def test_a_signing_key_is_private_and_kept_outside_the_workspace(
    signed: tuple[Path, Path], key: Path, tmp_path: Path
) -> None:
    root, _ = signed
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"PUBLIC KEY" in Path(f"{key}.pub").read_bytes()
    code, output = _run("audit", "key", "create", "--out", str(key))
    assert code == 2 and "already exists" in output
    code, output = _run("audit", "key", "create", "--out", str(root / "k"), "-w", str(root))
    assert code == 2 and "outside the workspace" in output and not (root / "k").exists()
    code, output = _run("audit", "checkpoint", "-w", str(root), "--key", str(root / "x"))
    assert code == 2 and "outside the workspace" in output
    open_key = tmp_path / "open.key"
    shutil.copy(key, open_key)
    os.chmod(open_key, 0o644)
    code, output = _run("audit", "checkpoint", "-w", str(root), "--key", str(open_key))
    assert code == 2 and "open to others" in output
    not_a_key = tmp_path / "nokey"
    not_a_key.write_text("hello")
    os.chmod(not_a_key, 0o600)
    code, output = _run("audit", "checkpoint", "-w", str(root), "--key", str(not_a_key))
    assert code == 2 and "not a PEM private key" in output


def test_the_service_signs_the_head_it_writes(signed: tuple[Path, Path], key: Path) -> None:
    root, kept = signed
    head = audit_head.parse_head(kept.read_bytes(), "kept")
    con = duckdb.connect(str(root / "catalog.duckdb"), read_only=True)
    try:
        entries, last = con.execute("SELECT entries, hash FROM audit_head").fetchone()
        kinds = con.execute("SELECT count(*) FROM audit_checkpoints").fetchone()[0]
    finally:
        con.close()
    assert (head.entries, head.hash) == (entries, last) and entries >= 4
    assert kinds == 2  # at start (before any entry) and at stop; the CLI found nothing new
    public = audit_head.load_public_key(Path(f"{key}.pub"))
    assert head.key_id == audit_head.key_id(public)
    assert audit_head.signature_problems(head, public) == []
    code, output = _run(
        "audit", "verify", "-w", str(root), "--head", str(kept), "--public-key", f"{key}.pub"
    )
    assert code == 0, output
    assert "intact" in output and f"by key {head.key_id}" in output and "note" not in output


def test_truncate_and_move_the_head_is_caught_by_the_signed_head(
    signed: tuple[Path, Path], key: Path, tmp_path: Path
) -> None:
    root, kept = signed
    cut = _copy(
        root, tmp_path,
        "DELETE FROM audit_log WHERE seq > (SELECT max(seq) - 2 FROM audit_log)",
        "UPDATE audit_head SET entries = (SELECT max(seq) FROM audit_log),"
        " hash = (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1)",
        "DELETE FROM audit_checkpoints",
    )  # fmt: skip
    code, output = _run("audit", "verify", "-w", str(cut))
    assert code == 0 and "intact" in output  # the chain alone cannot see it ...
    assert audit_head.NO_HEAD in output  # ... and says so
    code, output = _run("audit", "verify", "-w", str(cut), "--head", str(kept), "--json")
    assert code == 1
    found = json.loads(output)
    head = json.loads(kept.read_text())
    assert [p["seq"] for p in found["problems"]] == [head["entries"]]
    assert "signed entries were removed" in found["problems"][0]["problem"]


def test_rewrite_and_rechain_is_caught_by_the_signed_head(
    signed: tuple[Path, Path], tmp_path: Path
) -> None:
    root, kept = signed
    edited = _copy(root, tmp_path, "UPDATE audit_log SET purpose = 'marketing' WHERE seq = 2")
    _rechain(edited, 2)
    con = duckdb.connect(str(edited / "catalog.duckdb"))
    con.execute("DELETE FROM audit_checkpoints")
    con.close()
    assert _run("audit", "verify", "-w", str(edited))[0] == 0
    code, output = _run("audit", "verify", "-w", str(edited), "--head", str(kept))
    assert code == 1 and "rewritten" in output
    # The head the workspace keeps catches it too, when it is left in place.
    again = tmp_path / "again"
    shutil.copytree(root, again)
    con = duckdb.connect(str(again / "catalog.duckdb"))
    con.execute("UPDATE audit_log SET actor = 'nobody' WHERE seq = 3")
    con.close()
    _rechain(again, 3)
    code, output = _run("audit", "verify", "-w", str(again))
    assert code == 1 and "rewritten" in output and "the workspace" not in output


def test_a_head_from_another_key_or_altered_is_refused(
    signed: tuple[Path, Path], key: Path, tmp_path: Path
) -> None:
    root, kept = signed
    other = tmp_path / "other.key"
    assert _run("audit", "key", "create", "--out", str(other))[0] == 0
    forged = tmp_path / "forged.json"
    con = duckdb.connect(str(root / "catalog.duckdb"), read_only=True)
    entries, last = con.execute("SELECT entries, hash FROM audit_head").fetchone()
    con.close()
    head = audit_head.sign(audit_head.load_signing_key(other), entries, last)
    forged.write_text(head.model_dump_json())
    code, output = _run(
        "audit", "verify", "-w", str(root), "--head", str(forged), "--public-key", f"{key}.pub"
    )
    assert code == 1 and "not the pinned key" in output
    code, output = _run("audit", "verify", "-w", str(root), "--head", str(forged))
    assert code == 1 and "different keys" in output  # the workspace's head is by the real key
    altered = tmp_path / "altered.json"
    text = json.loads(kept.read_text())
    altered.write_text(json.dumps({**text, "entries": text["entries"] - 1}))
    code, output = _run("audit", "verify", "-w", str(root), "--head", str(altered))
    assert code == 1 and "signature does not verify" in output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    code, output = _run("audit", "verify", "-w", str(root), "--head", str(broken))
    assert code == 2 and "not a signed audit head" in output


def test_a_rolled_back_published_head_is_named(signed: tuple[Path, Path], key: Path) -> None:
    root, kept = signed
    newest = audit_head.parse_head(kept.read_bytes(), "kept")
    private = audit_head.load_signing_key(key)
    con = duckdb.connect(str(root / "catalog.duckdb"), read_only=True)
    try:
        first = con.execute("SELECT hash FROM audit_log WHERE seq = 1").fetchone()[0]
        older = audit_head.sign(private, 1, first)
        found = audit_head.verify(
            con, [("kept.json", newest), ("http://register/audit/head", older)]
        )
    finally:
        con.close()
    assert [text for _, text in found.chain.problems] == [
        f"the head published at http://register/audit/head (1 entries) is older than one you "
        f"kept ({newest.entries}): the published head was rolled back"
    ]


def test_the_head_is_public_and_absent_until_signed(
    signed: tuple[Path, Path], scored_city: ScoredCity, tmp_path: Path
) -> None:
    root, kept = signed
    with serve(_copy(root, tmp_path)) as served:
        answer = served.client.get("/audit/head")
        assert answer.status_code == 200
        assert answer.json() == json.loads(kept.read_text())
        verdict = served.client.get("/auditor/audit/verify", headers=served.key("auditor"))
        assert verdict.json()["ok"] is True
        assert verdict.json()["signed_heads"][0]["entries"] == answer.json()["entries"]
    fresh = copy_city(scored_city, tmp_path / "fresh" / "ws")
    with serve(fresh) as served:
        none = served.client.get("/audit/head")
        assert none.status_code == 404 and none.json()["error"] == "not_found"
        verdict = served.client.get("/auditor/audit/verify", headers=served.key("auditor"))
        assert verdict.json()["notes"] == [audit_head.NO_HEAD]


def test_the_service_never_signs_over_a_tampered_log(
    signed: tuple[Path, Path], key: Path, tmp_path: Path
) -> None:
    root, kept = signed
    edited = _copy(root, tmp_path, "UPDATE audit_log SET purpose = 'marketing' WHERE seq = 2")
    before = audit_head.parse_head(kept.read_bytes(), "kept")
    with serve(edited, audit_key=key) as served:
        auditor = served.key("auditor")
        published = served.client.get("/audit/head").json()
        verdict = served.client.get("/auditor/audit/verify", headers=auditor).json()
    assert published["entries"] == before.entries  # the last good head stays published
    assert verdict["ok"] is False
    assert any("edited" in p["problem"] for p in verdict["problems"])


@pytest.fixture
def live(signed: tuple[Path, Path], key: Path, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """The signed workspace served over HTTP with the signing key, and a backup of it taken
    before (the service signs nothing new at start: its head has not moved)."""
    root, backup = tmp_path / "live", tmp_path / "backup"
    shutil.copytree(signed[0], root)
    shutil.copytree(signed[0], backup)
    app = create_app(root, today=CITY_DAY, audit_key=key, checkpoint_minutes=0.01)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield backup, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        serving.join()


def test_verify_fetches_the_published_head(
    live: tuple[Path, str], key: Path, tmp_path: Path
) -> None:
    """An auditor checks a backup of the catalog against the head the running service
    publishes: an intact backup passes, a cut one fails, an unreachable service is one line."""
    backup, url = live
    code, output = _run(
        "audit", "verify", "-w", str(backup), "--url", url, "--public-key", f"{key}.pub"
    )
    assert code == 0, output
    assert f"from {url}/audit/head" in output
    cut = _copy(
        backup, tmp_path / "cut",
        "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)",
        "UPDATE audit_head SET entries = (SELECT max(seq) FROM audit_log),"
        " hash = (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1)",
        "DELETE FROM audit_checkpoints",
    )  # fmt: skip
    code, output = _run("audit", "verify", "-w", str(cut), "--url", f"{url}/audit/head")
    assert code == 1 and "signed entries were removed" in output
    code, output = _run("audit", "verify", "-w", str(cut), "--url", "http://127.0.0.1:9")
    assert code == 2 and "cannot fetch the signed head" in output
