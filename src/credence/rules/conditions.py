"""Rule conditions as sqlglot expressions: kinds, amounts and attributes, never code.

The explainer (``explain.py``) evaluates the same conditions in Python; ``attribute_mode`` is
shared so both compare an attribute the same way (as a number, a boolean or text).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlglot import exp

from credence.rules.spec import Compare, KindMatch, Requirement


def lit(value: Any) -> exp.Expr:
    """A typed SQL literal from a Python scalar (None stays NULL)."""
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def date_literal(value: date) -> exp.Expr:
    """A DATE literal every dialect reads the same way."""
    return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)


def kind_condition(match: KindMatch, column: exp.Expr) -> exp.Expr:
    exact = match.exact()
    if exact is not None:
        values = sorted(exact)
        if len(values) == 1:
            return exp.EQ(this=column.copy(), expression=lit(values[0]))
        return exp.In(this=column.copy(), expressions=[lit(v) for v in values])
    return exp.StartsWith(this=column.copy(), expression=lit(match.prefix or ""))


def _compare(value: exp.Expr, cmp: Compare, numeric: bool) -> exp.Expr:
    """Every operator of a comparison, AND-ed; NULL (missing) never matches."""
    ops: list[exp.Expr] = []
    for name, operand in cmp.operators().items():
        if name == "in":
            ops.append(
                exp.In(this=value.copy(), expressions=[lit(_cast_for(v, numeric)) for v in operand])
            )
        elif name == "prefix":
            ops.append(exp.StartsWith(this=value.copy(), expression=lit(str(operand))))
        else:
            node = {
                "eq": exp.EQ,
                "ne": exp.NEQ,
                "gt": exp.GT,
                "gte": exp.GTE,
                "lt": exp.LT,
                "lte": exp.LTE,
            }[name]
            ops.append(node(this=value.copy(), expression=lit(_cast_for(operand, numeric))))
    return exp.and_(*ops) if len(ops) > 1 else ops[0]


def _cast_for(value: Any, numeric: bool) -> Any:
    if numeric:
        return float(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def attribute_mode(cmp: Compare) -> str:
    """How an attribute is compared: as a number, a boolean or text (the explainer agrees)."""
    values = [v for k, v in cmp.operators().items() if k != "prefix"]
    flat = [x for v in values for x in (v if isinstance(v, list) else [v])]
    if flat and all(isinstance(x, bool) for x in flat):
        return "bool"
    if flat and all(isinstance(x, int | float) and not isinstance(x, bool) for x in flat):
        return "number"
    return "text"


def _attribute(name: str, cmp: Compare) -> exp.Expr:
    raw = exp.JSONExtractScalar(
        this=exp.column("attributes", table="r"), expression=exp.Literal.string(f"$.{name}")
    )
    mode = attribute_mode(cmp)
    if mode == "number":
        return _compare(exp.TryCast(this=raw, to=exp.DataType.build("DOUBLE")), cmp, numeric=True)
    if mode == "bool":
        return _compare(exp.Lower(this=raw), cmp, numeric=False)
    return _compare(raw, cmp, numeric=False)


def residual_condition(req: Requirement) -> exp.Expr | None:
    """The part of a condition beyond its kind: amount and attributes."""
    parts: list[exp.Expr] = []
    if req.when.amount is not None:
        parts.append(_compare(exp.column("amount", table="r"), req.when.amount, numeric=True))
    for name in sorted(req.when.attributes):
        parts.append(_attribute(name, req.when.attributes[name]))
    if not parts:
        return None
    return exp.and_(*parts) if len(parts) > 1 else parts[0]
