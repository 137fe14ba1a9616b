"""The comparisons and queries of resolution are written once, in DuckDB SQL; Spark reads a
translation made by SQLGlot, never a second hand-kept copy.

SQLGlot translates most of it. A few functions have other names or shapes on Spark:
``list_has_any`` is ``arrays_overlap``; "some pair of values satisfies" (``list_bool_or`` over
``list_transform``) is ``exists``; the Jaro similarities are Spark SQL that computes what
DuckDB computes (``spark_jaro``).
"""

from __future__ import annotations

import copy
from typing import Any

from sqlglot import exp, parse_one

from credence.resolve.spark_jaro import jaro_sql

SPARK = "spark"


def _jaro(node: exp.Expr, winkler: bool) -> exp.Expr:
    left, right = (arg.sql(dialect=SPARK) for arg in node.iter_expressions())
    return parse_one(jaro_sql(left, right, winkler), read=SPARK)


def _spark_node(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.ArrayOverlaps):  # DuckDB's list_has_any as SQLGlot reads it
        return exp.Anonymous(this="arrays_overlap", expressions=[node.this, node.expression])
    if isinstance(node, exp.JarowinklerSimilarity):
        return _jaro(node, winkler=True)
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        if name == "list_bool_or" and isinstance(node.expressions[0], exp.Transform):
            mapped = node.expressions[0]
            return exp.Exists(this=mapped.this, expression=mapped.expression)
        if name == "jaro_similarity":
            return _jaro(node, winkler=False)
    return node


def to_spark(sql: str) -> str:
    """One DuckDB expression or query in Spark SQL (``ELSE``, Splink's last level, as it is)."""
    if sql.strip().upper() == "ELSE":
        return sql
    tree = parse_one(sql, read="duckdb")
    for node in reversed(list(tree.walk(bfs=False))):  # children before their parents
        new = _spark_node(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree.sql(dialect=SPARK)


def _rules(model: dict[str, Any]) -> list[dict[str, Any]]:
    rules = model.get("blocking_rules_to_generate_predictions") or []
    return [r for r in rules if isinstance(r, dict)]


def spark_model(model: dict[str, Any]) -> dict[str, Any]:
    """A Splink settings dict or saved model (DuckDB SQL) with its SQL in Spark's dialect."""
    out = copy.deepcopy(model)
    out["sql_dialect"] = SPARK
    for comparison in out.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            level["sql_condition"] = to_spark(level["sql_condition"])
    for rule in _rules(out):
        rule["blocking_rule"] = to_spark(rule["blocking_rule"])
        rule["sql_dialect"] = SPARK
    return out


def duckdb_model(model: dict[str, Any], canonical: dict[str, Any]) -> dict[str, Any]:
    """A model Splink saved on Spark, with the DuckDB SQL of ``canonical`` (the same settings
    as DuckDB reads them) put back, so a stored model reads the same whichever engine trained
    it."""
    out = copy.deepcopy(model)
    out["sql_dialect"] = "duckdb"
    pairs = zip(out.get("comparisons", []), canonical.get("comparisons", []), strict=True)
    for comparison, original in pairs:
        levels = zip(comparison["comparison_levels"], original["comparison_levels"], strict=True)
        for level, source in levels:
            level["sql_condition"] = source["sql_condition"]
    for rule, source in zip(_rules(out), _rules(canonical), strict=True):
        rule["blocking_rule"] = source["blocking_rule"]
        rule["sql_dialect"] = source.get("sql_dialect", "duckdb")
    return out
