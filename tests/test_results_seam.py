"""The results seam: a run's results are reached through ``runs/results.py`` alone.

No module outside the seam names a result table in SQL; ``score --reproduce`` changes nothing a
reader sees; every run is kept under its own id.
"""

from __future__ import annotations

import re
from pathlib import Path

from credence.model import RESULT_TABLES

SRC = Path(__file__).resolve().parents[1] / "src" / "credence"
# The seam itself, and the compiler that writes the plans whose outputs it binds.
SEAM = {
    "runs/results.py",
    "store/results.py",
    "rules/compile.py",
    "rules/skeleton.py",
}
_NAMES = "|".join(RESULT_TABLES)
_SQL = re.compile(
    rf"\b(?:FROM|JOIN|INTO|TABLE|UPDATE|EXISTS)\s+(?:main\.)?\"?({_NAMES})\"?\b(?!\.)",
    re.IGNORECASE,
)


def offenders() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        if name in SEAM:
            continue
        text = path.read_text(encoding="utf-8")
        for match in _SQL.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{name}:{line}: {match.group(0)!r}")
    return found


def test_no_module_outside_the_seam_names_a_result_table() -> None:
    assert offenders() == []


def test_the_check_finds_a_bare_name(tmp_path: Path) -> None:
    assert _SQL.search('con.execute("SELECT grade FROM scores WHERE subject_code = ?")')
    assert _SQL.search("LEFT JOIN\n    listings AS l USING (subject_code)")
    assert not _SQL.search('f"SELECT grade FROM {run.table(\'scores\')}"')
    assert not _SQL.search("SELECT grade FROM {scores} AS s")
