"""``credence resolve``: link every row without a valid code to a subject of the registry.

Per source config: the source's code-less rows and the registry's subjects of their kinds are
normalised, a Splink model (trained by EM, or the one stored for this config) scores the
blocked pairs, and each row is linked (above the accept threshold, no rival), queued for review
(between the thresholds, or two plausible subjects) or left unresolved, where it counts for
nobody. Pairs a person rejected, links undone and appeals judged "not theirs" are never linked.
Then copies of one record held at two levels are voided so the event counts once.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from credence.errors import CredenceError, Problem
from credence.resolve.backends import ENGINES, Backend, backend_for
from credence.resolve.config import LinkConfig, ResolveConfigError, load_config, parse_config
from credence.resolve.duplicates import find_copies, void_copies
from credence.resolve.features import Normaliser
from credence.resolve.judgements import refused_pairs
from credence.resolve.matching import Clock, Matched, hint_columns, match_rows
from credence.resolve.registry import COLUMNS, load_registry, registry_rows, registry_size
from credence.resolve.review import close_linked, requeue
from credence.resolve.tables import ensure_tables
from credence.sql import transaction
from credence.store import Workspace
from credence.store.links import LINK_SCHEMA, add_links

CONFIG_SUFFIX = ".resolve.yaml"
METHOD = "splink"
DECIDED_BY = "resolver"
Progress = Callable[[str], None]


@dataclass
class SourceOutcome:
    """What resolution did with one source's code-less rows."""

    source: str
    rows: int = 0
    linked: int = 0
    review: int = 0
    unresolved: int = 0
    model_id: str | None = None
    trained: bool = False
    em_rules: list[str] = field(default_factory=list)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase


@dataclass
class ResolveReport:
    """One resolution run over a workspace."""

    registry: int
    sources: list[SourceOutcome] = field(default_factory=list)
    duplicates: int = 0
    seconds: float = 0.0
    engine: str = "duckdb"  # where Splink ran

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_configs(paths: Iterable[Path]) -> list[LinkConfig]:
    """Config files, or folders of ``*.resolve.yaml``; each must name its source."""
    configs: list[LinkConfig] = []
    for path in paths:
        files = sorted(Path(path).glob(f"*{CONFIG_SUFFIX}")) if Path(path).is_dir() else [path]
        if not files:
            raise CredenceError(f"no *{CONFIG_SUFFIX} config in {path}")
        configs.extend(_checked(load_config(Path(f)), str(f)) for f in files)
    return configs


def _checked(config: LinkConfig, where: str) -> LinkConfig:
    problems = []
    if config.source is None:
        problems.append(Problem(f"{where}: source", "a resolve config names its source"))
    for i, spec in enumerate(config.fields):
        for column in (*spec.right_columns, *spec.right_also):
            if column not in COLUMNS:
                problems.append(Problem(f"{where}: fields.{i}.right",
                                        f"the registry has no column {column!r}"))  # fmt: skip
    if problems:
        raise ResolveConfigError(f"config {where} cannot resolve a source", problems)
    return config


def store_config(con: duckdb.DuckDBPyConnection, config: LinkConfig) -> None:
    """Keep a source's config in the workspace, so later runs need no file."""
    con.execute(
        "INSERT OR REPLACE INTO resolve_configs VALUES (?, ?, ?)",
        [config.key, config.to_yaml(), datetime.now(UTC)],
    )


def stored_configs(con: duckdb.DuckDBPyConnection) -> list[LinkConfig]:
    ensure_tables(con)
    rows = con.execute("SELECT config_key, body FROM resolve_configs ORDER BY 1").fetchall()
    return [parse_config(body, f"catalog resolve_configs[{key}]") for key, body in rows]


def _stored_model(
    con: duckdb.DuckDBPyConnection, config: LinkConfig
) -> tuple[str, dict[str, Any]] | None:
    rows = con.execute(
        "SELECT model_id, model FROM resolve_models WHERE config_key = ? AND config_digest = ? "
        "ORDER BY trained_at DESC LIMIT 1",
        [config.key, config.digest()],
    ).fetchall()
    return (str(rows[0][0]), json.loads(rows[0][1])) if rows else None


def _store_model(
    con: duckdb.DuckDBPyConnection, config: LinkConfig, model: dict[str, Any],
    left_rows: int, right_rows: int, em_rules: list[str],
) -> str:  # fmt: skip
    body = json.dumps(model, sort_keys=True, ensure_ascii=False)
    model_id = hashlib.sha256(body.encode()).hexdigest()[:12]
    con.execute(
        "INSERT INTO resolve_models VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [model_id, config.key, config.digest(), datetime.now(UTC), left_rows, right_rows,
         ",".join(em_rules), body],
    )  # fmt: skip
    return model_id


def _unresolved(con: duckdb.DuckDBPyConnection, config: LinkConfig) -> pa.Table:
    extract = ", ".join(
        f"json_extract_string(hints, '$.\"{h}\"') AS \"{h}\"" for h in hint_columns(config)
    )  # fmt: skip
    return con.sql(
        f"SELECT record_id, subject_kind, {extract} FROM records WHERE source = ? "
        "AND subject_code IS NULL AND (? IS NULL OR subject_kind = ?) ORDER BY record_id",
        params=[config.source, config.subject_kind, config.subject_kind],
    ).to_arrow_table()


def _links(matched: Matched, kind_of: dict[str, str]) -> pa.Table:
    """The links to write: record_id, subject_kind, subject_code, probability."""
    chosen = [(d.left_id, d.best) for d in matched.decisions if d.outcome == "link" and d.best]
    return pa.table({
        "record_id": pa.array([rid for rid, _c in chosen], pa.string()),
        "subject_kind": pa.array([kind_of[rid] for rid, _c in chosen], pa.string()),
        "subject_code": pa.array([c.right_id for _rid, c in chosen], pa.string()),
        "probability": pa.array([min(c.probability, 1.0) for _rid, c in chosen], pa.float64()),
    })  # fmt: skip


def _write(
    con: duckdb.DuckDBPyConnection, config: LinkConfig, matched: Matched, rows: pa.Table,
    model_id: str,
) -> int:  # fmt: skip
    """Write the links and the review queue in one transaction; return rows queued."""
    ids = rows.column("record_id").to_pylist()
    kind_of = dict(zip(ids, rows.column("subject_kind").to_pylist(), strict=True))
    links = _links(matched, kind_of)
    with transaction(con):
        add_links(con, links.select(LINK_SCHEMA.names).cast(LINK_SCHEMA), METHOD, DECIDED_BY,
                  f"model {model_id}")
        queued = requeue(con, str(config.source), model_id, matched.decisions, kind_of, ids)
    return queued  # fmt: skip


def resolve_source(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    config: LinkConfig,
    refused: set[tuple[str, str]],
    norm: Normaliser,
    retrain: bool = False,
    backend: Backend | None = None,
) -> SourceOutcome:
    """Link, queue or leave each code-less row of one source; return what was done."""
    started = time.perf_counter()
    outcome = SourceOutcome(config.key)
    rows = _unresolved(con, config)
    outcome.rows = rows.num_rows
    registry = registry_rows(con, sorted(set(rows.column("subject_kind").to_pylist())))
    if rows.num_rows == 0 or registry.num_rows == 0:
        outcome.unresolved = rows.num_rows
        return outcome
    stored = None if retrain else _stored_model(con, config)
    matched = match_rows(config, rows, registry, refused, stored[1] if stored else None, norm,
                         ws.temp_dir / "resolve", backend)  # fmt: skip
    if matched.training is not None:
        outcome.trained, outcome.em_rules = True, matched.training.em_rules
        model_id = _store_model(con, config, matched.model, rows.num_rows, registry.num_rows,
                                matched.training.em_rules)  # fmt: skip
    else:
        model_id = stored[0] if stored else ""
    outcome.model_id = model_id
    clock = Clock(matched.phases)
    outcome.review = _write(con, config, matched, rows, model_id)
    clock.lap("write")
    outcome.phases = matched.phases
    outcome.linked = sum(d.outcome == "link" for d in matched.decisions)
    outcome.unresolved = outcome.rows - outcome.linked - outcome.review
    outcome.seconds = round(time.perf_counter() - started, 3)
    return outcome


def resolve_workspace(
    ws: Workspace,
    configs: Iterable[LinkConfig] = (),
    registry: Path | None = None,
    retrain: bool = False,
    progress: Progress | None = None,
    engine: str = "duckdb",
    spark_master: str = "local[*]",
) -> ResolveReport:
    """Resolve every source that has a config (given now, or stored by an earlier run).

    ``engine`` is where Splink runs: ``duckdb`` (embedded, the default) or ``spark`` (the same
    comparisons, blocking, training and stored models on Spark, giving the same links);
    everything else runs here, the same either way. Spark starts on ``spark_master`` unless
    this process already runs a Spark session, which is then used and left running."""
    say = progress or (lambda what: None)
    if engine not in ENGINES:
        raise CredenceError(f"unknown engine {engine!r}: choose {' or '.join(ENGINES)}")
    started = time.perf_counter()
    con = ws.connect()
    try:
        ensure_tables(con)
        if registry is not None:
            say(f"loading the registry {registry}")
            load_registry(con, registry)
        for config in configs:
            store_config(con, _checked(config, f"config of {config.source}"))
        known = stored_configs(con)
        if not known:
            raise CredenceError("no resolve config: give --config FILE (one YAML per source)")
        report = ResolveReport(registry=registry_size(con))
        if report.registry == 0:
            raise CredenceError("the subject registry is empty: give --registry FILE")
        if engine != "duckdb":
            say(f"starting {engine} ({spark_master})")
        backend = backend_for(engine, spark_master, ws.temp_dir / "resolve")
        report.engine = backend.name
        refused = refused_pairs(con)
        close_linked(con)
        norm = Normaliser()
        for config in known:
            say(f"resolving {config.key}")
            report.sources.append(
                resolve_source(ws, con, config, refused, norm, retrain, backend)
            )
        ws.refresh_records_view(con)
        say("looking for copies held at two levels")
        report.duplicates = void_copies(con, find_copies(con))
        report.seconds = round(time.perf_counter() - started, 3)
        return report
    finally:
        con.close()
