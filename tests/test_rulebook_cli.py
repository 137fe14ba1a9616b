"""``credence rules doc``: from the packaged default, a file, or a published version."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from credence.cli.rulebook_cmd import register_rules
from credence.rules.loader import default_ruleset_path, load_ruleset, ruleset_hash
from credence.store import Workspace
from credence.store.rulesets import publish_ruleset

DESIGN = Path(__file__).resolve().parent / "fixtures" / "rulesets" / "design.yaml"
runner = CliRunner()


def _app() -> typer.Typer:
    """A ``credence``-like app with the ``rules`` group holding only ``doc``."""
    app = typer.Typer()
    rules = typer.Typer()
    register_rules(rules)
    app.add_typer(rules, name="rules")
    return app


def _doc(*args: str) -> tuple[int, str]:
    result = runner.invoke(_app(), ["rules", "doc", *args])
    return result.exit_code, result.output


def test_default_is_the_packaged_default_ruleset(tmp_path: Path) -> None:
    code, output = _doc("--out", str(tmp_path))
    assert code == 0, output
    digest = ruleset_hash(load_ruleset(default_ruleset_path()))
    assert load_ruleset(default_ruleset_path()).ruleset in output and digest[:12] in output
    for name in ("rulebook.md", "rulebook.html"):
        assert f"wrote {tmp_path / name}" in output
        assert digest in (tmp_path / name).read_text(encoding="utf-8")


def test_a_file_and_one_format(tmp_path: Path) -> None:
    code, output = _doc(str(DESIGN), "--out", str(tmp_path), "--format", "md")
    assert code == 0, output
    assert (tmp_path / "rulebook.md").is_file() and not (tmp_path / "rulebook.html").exists()
    assert "TAX-EVASION" in (tmp_path / "rulebook.md").read_text(encoding="utf-8")


def test_a_published_version_of_a_workspace(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    published = publish_ruleset(ws, DESIGN)
    out = tmp_path / "book"
    for ref in ("credence-default@2027.1", published.hash[:10]):
        code, output = _doc(ref, "-w", str(ws.root), "--out", str(out), "-f", "html")
        assert code == 0, output
        assert published.hash in (out / "rulebook.html").read_text(encoding="utf-8")


def test_unknown_refs_and_bad_outputs_exit_2(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    code, output = _doc("nope@1", "-w", str(ws.root), "--out", str(tmp_path / "x"))
    assert code == 2 and "nope@1" in output
    code, output = _doc(str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "x"))
    assert code == 2 and "no such file" in output
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code, output = _doc(str(DESIGN), "--out", str(blocker))
    assert code == 2 and "not a folder" in output
    code, output = _doc(str(DESIGN), "--format", "pdf")
    assert code == 2
