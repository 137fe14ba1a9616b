"""The Splink model: blocking rules and comparisons from a config, trained by EM, scored pairs.

Each session runs in a scratch of its own (``backends``: an in-memory DuckDB by default, or a
Spark session), so Splink's scratch tables never reach the catalog.
Training estimates u by random sampling and then m by EM, once per training rule, skipping a
rule that blocks too few pairs to learn from (the comparisons keep their prior m). The trained
model is Splink's JSON, stored in the workspace and reused until the config changes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from credence.errors import CredenceError
from credence.resolve.backends import Backend, DuckDBBackend
from credence.resolve.comparisons import comparison
from credence.resolve.config import LinkConfig
from credence.resolve.features import DATASET, DATASETS, ID, KIND, MAIN

PAIR_COLUMNS = ("left_id", "right_id", "probability", "match_weight")


@contextlib.contextmanager
def _quiet_splink() -> Iterator[None]:
    """Splink logs every step at INFO; resolution reports on its own."""
    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    splink_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        splink_logger.setLevel(level)


def blocking_rule(config: LinkConfig, keys: list[str], same_kind: bool, explode: bool) -> Any:
    """One blocking rule: equal keys (list keys exploded, or their first value for EM)."""
    from splink import block_on

    lists = config.list_keys()
    columns = [k if explode or k not in lists else k + MAIN for k in keys]
    if same_kind:
        columns = [KIND, *columns]
    exploded = [k for k in columns if k in lists] if explode else []
    return block_on(*columns, arrays_to_explode=exploded or None)


def settings_for(config: LinkConfig, same_kind: bool, prior: float) -> Any:
    """Splink settings of a config: link only, its comparisons and blocking rules."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="link_only",
        comparisons=[comparison(spec) for spec in config.fields],
        blocking_rules_to_generate_predictions=[
            blocking_rule(config, rule, same_kind, explode=True) for rule in config.blocking
        ],
        probability_two_random_records_match=prior,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        unique_id_column_name=ID,
        source_dataset_column_name=DATASET,
    )


def prior_for(config: LinkConfig, left_rows: int, right_rows: int) -> float:
    """The chance two random rows match: each left row has (at most) one match on the right."""
    return min(1.0, config.training.match_share / max(left_rows, right_rows, 1))


def _floor_u(model: dict[str, Any], pairs: float) -> dict[str, Any]:
    """A level no sampled non-match reached is rarer than one in ``pairs``: give it half that
    (Splink would otherwise fall back to a default that is far too common)."""
    floor = 0.5 / max(pairs, 1.0)
    for comparison_ in model["comparisons"]:
        for level in comparison_["comparison_levels"]:
            if not level.get("is_null_level") and not level.get("u_probability"):
                level["u_probability"] = floor
    return model


def pairs_blocked(left: pa.Table, right: pa.Table, columns: list[str]) -> int:
    """How many pairs equal ``columns`` join (a null joins nothing), counted from the keys'
    group sizes here, whatever engine runs Splink: it only decides whether EM runs."""
    counts = [
        side.select(columns).group_by(columns).aggregate([([], "count_all")])
        for side in (left, right)
    ]
    joined = counts[0].join(counts[1], keys=columns, join_type="inner",
                            left_suffix="_l", right_suffix="_r")  # fmt: skip
    products = pc.multiply(joined.column("count_all_l"), joined.column("count_all_r"))
    return int(pc.sum(products).as_py() or 0)


@dataclass
class Training:
    """What training did: u from how many pairs, EM on which rules, which were skipped."""

    u_pairs: float = 0.0
    em_rules: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class LinkSession:
    """Both sides of one linkage in a scratch of a backend, with a Splink linker over them.

    The settings and any stored model are DuckDB SQL; the scratch translates them for its
    engine, and ``model`` hands the trained model back in DuckDB SQL, whichever engine ran."""

    def __init__(
        self,
        config: LinkConfig,
        left: pa.Table,
        right: pa.Table,
        model: dict[str, Any] | None = None,
        temp_dir: Path | None = None,
        memory_limit: str = "4GB",
        backend: Backend | None = None,
    ) -> None:
        from splink import Linker

        if left.num_rows == 0 or right.num_rows == 0:
            raise CredenceError("nothing to link: one side has no rows")
        self.config = config
        self.same_kind = KIND in left.column_names and KIND in right.column_names
        self.backend = backend or DuckDBBackend(memory_limit, temp_dir)
        self.left_rows, self.right_rows = left.num_rows, right.num_rows
        self.left, self.right = left, right
        self.prior = prior_for(config, left.num_rows, right.num_rows)
        self.scratch = self.backend.scratch()
        try:
            self.frames = [
                self.scratch.register("left_keys", left, DATASETS["left"]),
                self.scratch.register("right_keys", right, DATASETS["right"]),
            ]
            self.canonical = self._settings() if model is None else dict(
                model, probability_two_random_records_match=self.prior
            )  # fmt: skip
            with _quiet_splink():
                self.linker = Linker(self.frames, self.scratch.model_in(self.canonical),
                                     log_level=None)  # fmt: skip
        except BaseException:
            self.scratch.close()
            raise

    def _settings(self) -> dict[str, Any]:
        """The untrained settings of the config, as DuckDB reads them."""
        settings = settings_for(self.config, self.same_kind, self.prior)
        return dict(settings.create_settings_dict("duckdb"))

    def close(self) -> None:
        self.scratch.close()

    def __enter__(self) -> LinkSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pairs_blocked_by(self, keys: list[str]) -> int:
        lists = self.config.list_keys()
        columns = [k + MAIN if k in lists else k for k in keys]
        if self.same_kind:
            columns.append(KIND)
        return pairs_blocked(self.left, self.right, columns)

    def _u_from_right(self) -> dict[str, Any]:
        """A model whose u come from pairs of distinct right-side subjects (the two halves of
        the side, so no subject meets itself): every such pair is a non-match."""
        from splink import Linker

        t = self.config.training
        half = self.right.num_rows // 2
        scratch = self.backend.scratch()
        try:
            frames = []
            for name, part in ((DATASETS["left"], self.right.slice(0, half)),
                               (DATASETS["right"], self.right.slice(half))):  # fmt: skip
                column = pa.array([name] * part.num_rows, pa.string())
                part = part.set_column(part.schema.get_field_index(DATASET), DATASET, column)
                frames.append(scratch.register(f"{name}_half", part, name))
            linker = Linker(frames, scratch.model_in(self._settings()), log_level=None)
            pairs = min(t.u_pairs, float(half) * (self.right.num_rows - half))
            linker.training.estimate_u_using_random_sampling(
                max_pairs=pairs, seed=t.seed, min_count_per_level=None, num_chunks=1
            )
            return _floor_u(dict(linker.misc.save_model_to_json()), pairs)
        finally:
            scratch.close()

    def train(self, u_from_right: bool = False) -> Training:
        """u by random sampling (of left-right pairs, or with ``u_from_right`` of pairs of
        right-side subjects), then EM once per training rule with pairs enough to learn."""
        from splink import Linker
        from splink.internals.exceptions import SplinkException

        t = self.config.training
        report = Training()
        with _quiet_splink():
            if u_from_right and self.right.num_rows >= 4:
                model = self._u_from_right()
                report.u_pairs = min(t.u_pairs, (self.right.num_rows / 2) ** 2)
            else:
                pairs = min(t.u_pairs, float(self.left_rows) * self.right_rows)
                self.linker.training.estimate_u_using_random_sampling(
                    max_pairs=pairs, seed=t.seed, min_count_per_level=None, num_chunks=1
                )
                model = _floor_u(dict(self.linker.misc.save_model_to_json()), pairs)
                report.u_pairs = pairs
            model["probability_two_random_records_match"] = self.prior
            self.linker = Linker(self.frames, model, log_level=None)
            for keys in self.config.em_rules():
                name = "+".join(keys)
                if self._pairs_blocked_by(keys) < t.min_em_pairs:
                    report.skipped.append(name)
                    continue
                rule = blocking_rule(self.config, keys, self.same_kind, explode=False)
                try:
                    self.linker.training.estimate_parameters_using_expectation_maximisation(
                        rule, max_pairs=t.em_pairs
                    )
                except SplinkException:  # a degenerate block: m keeps what it had
                    report.skipped.append(name)
                    continue
                report.em_rules.append(name)
        return report

    def model(self) -> dict[str, Any]:
        """The trained model as Splink's JSON-ready dict, its SQL in DuckDB's dialect."""
        return self.scratch.model_out(dict(self.linker.misc.save_model_to_json()), self.canonical)

    def predict(self, floor: float) -> pa.Table:
        """Scored pairs at or above ``floor``: left id, right id, probability, match weight."""
        with _quiet_splink():
            scored = self.linker.inference.predict(
                threshold_match_probability=floor, warning_mode="never"
            )
        left = DATASETS["left"]
        query = (
            f"SELECT CASE WHEN {DATASET}_l = '{left}' THEN {ID}_l ELSE {ID}_r END AS left_id, "
            f"CASE WHEN {DATASET}_l = '{left}' THEN {ID}_r ELSE {ID}_l END AS right_id, "
            f"match_probability AS probability, match_weight FROM {scored.physical_name}"
        )
        table = self.scratch.query(query)
        scored.drop_table_from_database_and_remove_from_cache()
        return table
