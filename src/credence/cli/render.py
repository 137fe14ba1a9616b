"""Rich renderings shared by commands: an explanation, grade and list summaries.

Explanations are laid out as text blocks rather than wide tables so they stay readable in an
80-column terminal.
"""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from credence.identifiers import shown_code
from credence.runs.subject_file import SubjectFile


def _code(kind: str, code: str) -> str:
    return shown_code(kind, code)


def _head(found: SubjectFile) -> Text:
    ex = found.explanation
    head = Text()
    head.append(f"{found.name or '(no name on record)'}\n", style="bold")
    head.append(f"{ex.subject_kind} {_code(ex.subject_kind, ex.subject_code)}")
    head.append(f" · as of {ex.as_of} · {ex.ruleset} {ex.version}\n")
    if ex.scored:
        head.append(f"score {ex.score} · grade {ex.grade}", style="bold green")
    else:
        head.append(f"no score: {ex.note or 'no records on or before this day'}", style="yellow")
    return head


def _listings(found: SubjectFile) -> Text:
    text = Text()
    for item in found.explanation.listings:
        style = "bold red" if item.list_name == "black" else "bold green"
        text.append(f"{item.list_name} list: {item.state}", style=style)
        if item.record_id:
            text.append(f" · {item.requirement_id} on record {item.record_id[:12]}")
            text.append(f" · published {item.published_on} · expires {item.expires_on}")
        text.append("\n")
    for m in found.explanation.measures:
        effect = ", ".join(f"{k}={v}" for k, v in m.effect.items())
        text.append(f"measure {m.measure_id} ({effect}) because of {m.via}", style="magenta")
        text.append(f" · {m.legal_basis}\n")
    return text


def _lines(found: SubjectFile, max_lines: int | None) -> Text:
    ex = found.explanation
    shown = ex.lines if max_lines is None else ex.lines[:max_lines]
    text = Text()
    text.append(f"{len(ex.lines)} score lines\n", style="bold")
    for line in shown:
        where = found.provenance.get(line.record_id, {})
        if line.counted:
            text.append(f"{line.points_applied:+5d}  ", style="red" if line.points < 0 else "green")
        else:
            text.append(f"{0:+5d}  ", style="dim")
        text.append(f"{line.requirement_id}", style="bold")
        text.append(f" ({line.rating_id}) {line.kind} on {line.occurred_at}")
        text.append(f", counts until {line.expires_on or 'no end'}")
        if not line.counted:
            text.append(f", capped: only {line.cap} count", style="yellow")
        text.append(
            f"\n       record {line.record_id[:12]} · {line.source} row "
            f"{where.get('row_number', '?')} · {line.legal_basis}\n",
            style="dim",
        )
        link = where.get("link")
        if link:
            text.append(
                f"       linked by {link['method']} · p={link['probability']:.3f} "
                f"· pair {link['pair_id']}\n",
                style="dim",
            )
    if len(shown) < len(ex.lines):
        text.append(f"… {len(ex.lines) - len(shown)} more: see `credence explain`\n", style="dim")
    return text


def explanation_panel(found: SubjectFile, max_lines: int | None = None) -> Panel:
    """Total, grade, lists, measures, then each line with record, source, expiry, legal basis."""
    parts = [_head(found)]
    if found.explanation.listings or found.explanation.measures:
        parts.append(_listings(found))
    parts.append(_lines(found, max_lines))
    return Panel(Group(*parts), title="explanation", border_style="cyan")


def grade_table(grades: dict[str, list[tuple[str, int]]]) -> Table:
    table = Table(title="grades")
    table.add_column("subject kind")
    table.add_column("grade")
    table.add_column("subjects", justify="right")
    for kind, bands in grades.items():
        for grade, count in bands:
            table.add_row(kind, grade, f"{count:,}")
    return table


def lists_table(counts: list[tuple[str, str, str, int]]) -> Table:
    table = Table(title="lists")
    for column in ("list", "subject kind", "state", "subjects"):
        table.add_column(column, justify="right" if column == "subjects" else "left")
    for name, kind, state, n in counts:
        table.add_row(name, kind, state, f"{n:,}")
    if not counts:
        table.add_row("—", "—", "—", "0")
    return table
