"""Load a ruleset from YAML with messages a rule author can act on.

Every problem names the file and line, the rating and requirement id, and the field
(``starter.yaml:23 ratings[tax].requirements[TAX-LATE].points: must not be zero``). All problems
are collected first (YAML, the rule language, the safeguards) and raised once.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from credence.errors import NotFoundError, Problem, RulesetError
from credence.rules.spec import ID_PATTERN, KIND_PATTERN, Ruleset
from credence.rules.validate import check_ruleset

# libyaml's safe loader when it is there (several times faster on a 300-rule ruleset).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Loc = tuple[str | int, ...]

_UNION_TAGS = frozenset({"str", "int", "float", "bool"})
_PATTERN_HINTS = {
    KIND_PATTERN: "not a valid kind: lower-case dotted words like tax.filing.late",
    ID_PATTERN: "not a valid id: letters, digits, '.', '_' or '-', starting with a letter or digit",
    r"^[a-z][a-z0-9_]*$": "attribute names are lower-case words like amount_due",
    r"^[a-z0-9_.]+$": "a kind prefix uses lower-case letters, digits, '_' and '.'",
}


@dataclass(frozen=True)
class RulesetReport:
    """What loading one ruleset found: the ruleset when it parsed, its errors and warnings."""

    where: str
    ruleset: Ruleset | None
    errors: list[Problem]
    warnings: list[Problem]

    @property
    def ok(self) -> bool:
        return self.ruleset is not None and not self.errors


def load_ruleset(path: Path) -> Ruleset:
    """Read, parse and check a ruleset file; raise RulesetError listing every error."""
    return _raise_on_errors(inspect_ruleset(path))


def load_ruleset_text(text: str, where: str) -> Ruleset:
    """Parse and check ruleset YAML; ``where`` names it in problems (a file name)."""
    return _raise_on_errors(inspect_ruleset_text(text, where))


def inspect_ruleset(path: Path) -> RulesetReport:
    """Like ``load_ruleset`` but returns errors and warnings; raises only when unreadable."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise RulesetError("cannot read ruleset", [Problem(str(path), "no such file")]) from error
    except UnicodeDecodeError as error:
        raise RulesetError("cannot read ruleset", [Problem(str(path), "not UTF-8 text")]) from error
    except OSError as error:
        problem = Problem(str(path), error.strerror or str(error))
        raise RulesetError("cannot read ruleset", [problem]) from error
    return inspect_ruleset_text(text, str(path))


def inspect_ruleset_text(text: str, where: str) -> RulesetReport:
    """Parse and check ruleset YAML, collecting every error and warning."""
    try:
        data = yaml.load(text, Loader=_LOADER)  # a safe loader
        lines, duplicates = _lines(yaml.compose(text, Loader=_LOADER))
    except yaml.YAMLError as error:
        return RulesetReport(where, None, [_yaml_problem(error, where)], [])
    if not isinstance(data, dict):
        message = "a ruleset is a YAML mapping (ruleset:, version:, grades:, ratings:, ...)"
        return RulesetReport(where, None, [Problem(f"{where}:1", message)], [])
    locate = _Locator(where, data, lines)
    errors = [
        locate.at(loc, f"duplicate key '{loc[-1]}': YAML keeps only the last one")
        for loc in duplicates
    ]
    try:
        ruleset: Ruleset | None = Ruleset.model_validate(data)
        checked = ruleset
    except ValidationError as error:
        ruleset, details = None, error.errors()
        errors += _schema_problems(locate, details)
        checked = _without_failures(data, details)
    warnings: list[Problem] = []
    if checked is not None:
        found, warned = check_ruleset(checked)
        errors += [locate.relocate(p) for p in found]
        warnings = [locate.relocate(p) for p in warned]
    return RulesetReport(where, ruleset, _by_line(errors, where), _by_line(warnings, where))


def ruleset_hash(ruleset: Ruleset) -> str:
    """sha256 of the canonical JSON of a ruleset: what a score run records as its version."""
    data = ruleset.model_dump(mode="json", by_alias=True, exclude_none=True)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_ruleset_path(name: str = "credence-default") -> Path:
    """The file of a ruleset shipped with Credence (``credence/rules/default/<name>.yaml``)."""
    folder = resources.files("credence.rules") / "default"
    candidate = folder / f"{name}.yaml"
    if re.fullmatch(ID_PATTERN, name) is None or not candidate.is_file():
        files = folder.iterdir() if folder.is_dir() else iter(())
        shipped = sorted(p.name[:-5] for p in files if p.name.endswith(".yaml"))
        raise NotFoundError(
            f"no shipped ruleset named {name!r} (shipped: {', '.join(shipped) or 'none'})"
        )
    return Path(str(candidate))


def _raise_on_errors(report: RulesetReport) -> Ruleset:
    if report.errors or report.ruleset is None:
        raise RulesetError(f"ruleset {report.where} is not valid", report.errors)
    return report.ruleset


def _by_line(problems: list[Problem], where: str) -> list[Problem]:
    """In file order, so an author can fix them top to bottom."""

    def line(problem: Problem) -> int:
        digits = problem.where[len(where) + 1 :].split(" ", 1)[0]
        return int(digits) if digits.isdigit() else 0

    return sorted(problems, key=line)


def _yaml_problem(error: yaml.YAMLError, where: str) -> Problem:
    """Name the line the parser stopped at, and the line of what it was reading."""
    if not isinstance(error, yaml.MarkedYAMLError):
        return Problem(where, f"not valid YAML: {error}")
    mark, context = error.problem_mark or error.context_mark, error.context_mark
    parts = [error.context or "", error.problem or ""]
    if context is not None and error.context and mark is not None and context.line != mark.line:
        parts[0] += f" started on line {context.line + 1}"
    line = f":{mark.line + 1}" if mark is not None else ""
    return Problem(f"{where}{line}", "not valid YAML: " + ", ".join(p for p in parts if p))


def _lines(root: yaml.Node | None) -> tuple[dict[Loc, int], list[Loc]]:
    """Line (1-based) of every key and list item, and the keys given twice in one mapping."""
    lines: dict[Loc, int] = {(): 1}
    duplicates: list[Loc] = []
    stack: list[tuple[yaml.Node, Loc]] = [(root, ())] if root is not None else []
    while stack:
        node, loc = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in seen:
                    duplicates.append((*loc, key))
                seen.add(key)
                lines[(*loc, key)] = key_node.start_mark.line + 1
                stack.append((value_node, (*loc, key)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*loc, index)] = item.start_mark.line + 1
                stack.append((item, (*loc, index)))
    return lines, sorted(duplicates, key=lambda loc: lines[loc])


def _label(item: Any, index: int) -> str:
    """Name a list item by its id (ratings, requirements, measures) or grade, else its index."""
    if isinstance(item, dict):
        for key in ("id", "grade"):
            if isinstance(item.get(key), str | int) and not isinstance(item.get(key), bool):
                return str(item[key])
    return str(index)


class _Locator:
    """Turns a loc path into ``file:line ratings[id].requirements[id].field``."""

    def __init__(self, where: str, data: dict[str, Any], lines: dict[Loc, int]) -> None:
        self.where = where
        self.data = data
        self.lines = lines
        self.by_path = {self.path(loc): line for loc, line in lines.items()}

    def path(self, loc: Loc) -> str:
        """Steps below a scalar are pydantic's (``kind: x`` read as ``kind: {eq: x}``): dropped."""
        text, node = "", cast(Any, self.data)
        for step in loc:
            if isinstance(node, list) and isinstance(step, int):
                item = node[step] if 0 <= step < len(node) else _MISSING
                text, node = f"{text}[{_label(item, step)}]", item
            elif step != "[key]" and (node is _MISSING or isinstance(node, dict | list)):
                text = f"{text}.{step}" if text else str(step)
                node = node.get(step, _MISSING) if isinstance(node, dict) else _MISSING
        return text

    def at(self, loc: Loc, message: str) -> Problem:
        known = next(loc[:n] for n in range(len(loc), -1, -1) if loc[:n] in self.lines)
        path = self.path(loc)
        return Problem(f"{self.where}:{self.lines[known]}" + (f" {path}" if path else ""), message)

    def relocate(self, problem: Problem) -> Problem:
        """Add file and line to a validator problem, from the longest path it starts with."""
        where = problem.where
        matches = [
            p
            for p in self.by_path
            if where.startswith(p) and where[len(p) : len(p) + 1] in ("", ".", "[")
        ]
        line = self.by_path[max(matches, key=len)] if matches else 1
        return Problem(f"{self.where}:{line} {where}", problem.message)


def _schema_problems(locate: _Locator, details: list[ErrorDetails]) -> list[Problem]:
    """One problem per failing field; a union's per-type failures become one message."""
    grouped: dict[Loc, list[ErrorDetails]] = {}
    for detail in details:
        loc = tuple(detail["loc"])
        if loc and loc[-1] in _UNION_TAGS and _value_at(locate.data, loc) is _MISSING:
            loc = loc[:-1]
        grouped.setdefault(loc, []).append(detail)
    problems = []
    for loc, group in grouped.items():
        if len(group) > 1 and all(d["type"].endswith("_type") for d in group):
            message = f"must be text, a number or true/false (got {_show(group[0]['input'])})"
        else:
            message = "; ".join(_message(loc, d) for d in group)
        problems.append(locate.at(loc, message))
    return problems


_MISSING = object()


def _value_at(data: Any, loc: Loc) -> Any:
    for step in loc:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return data


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(loc: Loc, detail: ErrorDetails) -> str:
    kind, ctx, got = detail["type"], detail.get("ctx") or {}, detail.get("input")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown field: not part of the rule language"
    if kind == "string_pattern_mismatch":
        hint = _PATTERN_HINTS.get(str(ctx.get("pattern")), f"must match {ctx.get('pattern')}")
        return f"{hint} (got {_show(got)})"
    if kind == "string_type" and isinstance(got, int | float):
        return f'must be text: quote it ("{got}")'
    if kind == "literal_error":
        return f"must be {ctx.get('expected')} (got {_show(got)})"
    if kind in ("too_short", "list_too_short", "dict_too_short") and not got:
        return "must not be empty"
    message = str(detail["msg"]).removeprefix("Value error, ")
    field = str(loc[-1]) if loc else ""
    if field and message.startswith(f"{field} "):
        message = message[len(field) + 1 :]
    if kind.endswith(("_type", "_parsing")) and got is not None:
        message = f"{message} (got {_show(got)})"
    return message[:1].lower() + message[1:]


def _without_failures(data: dict[str, Any], details: list[ErrorDetails]) -> Ruleset | None:
    """The ruleset without its failing ratings and requirements, so the safeguards still run.

    Only when every failure lies inside ``ratings``; anything else leaves nothing to check.
    """
    bad_ratings: set[int] = set()
    bad_reqs: set[tuple[int, int]] = set()
    for detail in details:
        loc = tuple(detail["loc"])
        if len(loc) < 2 or loc[0] != "ratings" or not isinstance(loc[1], int):
            return None
        if len(loc) >= 4 and loc[2] == "requirements" and isinstance(loc[3], int):
            bad_reqs.add((loc[1], loc[3]))
        else:
            bad_ratings.add(loc[1])
    ratings = []
    for i, rating in enumerate(data["ratings"]):
        if i in bad_ratings or not isinstance(rating, dict):
            continue
        reqs = [r for j, r in enumerate(rating.get("requirements") or []) if (i, j) not in bad_reqs]
        if reqs:
            ratings.append({**rating, "requirements": reqs})
    try:
        return Ruleset.model_validate({**data, "ratings": ratings})
    except ValidationError:
        return None
