"""Turn one side's raw columns into the keys its comparisons read (``config.KEYS``).

Normalising is Python (OpenCC, pypinyin), so each distinct raw value is normalised once and
remembered: a registry of a million people holds far fewer distinct names, dates or addresses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Literal

import pyarrow as pa

from credence.resolve import normalise as nz
from credence.resolve.config import FieldSpec, LinkConfig

Side = Literal["left", "right"]
ID = "unique_id"
DATASET = "source_dataset"
KIND = "subject_kind"  # resolution compares rows only with subjects of their own kind
DATASETS: dict[Side, str] = {"left": "a_left", "right": "b_right"}
MAIN = "_main"  # suffix of the scalar first value of a list key (EM rules cannot explode)
_SPLIT = re.compile(r"[|;；]")


class Normaliser:
    """Normalising functions with a memory of every distinct value already seen."""

    def __init__(self) -> None:
        self._memo: dict[tuple[Hashable, Any], Any] = {}

    def cached(self, kind: Hashable, value: Any, func: Callable[[Any], Any]) -> Any:
        key = (kind, value)
        if key not in self._memo:
            self._memo[key] = func(value)
        return self._memo[key]


def _alternatives(value: Any) -> list[Any]:
    """Other values a subject may match on: a list, or text separated by | or ;."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [v for v in value if v is not None]
    text = nz.text_of(value)
    return [part for part in _SPLIT.split(text)] if text else []


def _joined(row_values: Sequence[Any]) -> Any:
    """Several columns of one field (given name and surname) read as one value."""
    if len(row_values) == 1:
        return row_values[0]
    texts = [t for t in (nz.text_of(v) for v in row_values) if t]
    return " ".join(texts) if texts else None


def _unique(values: list[str | None]) -> list[str] | None:
    found = list(dict.fromkeys(v for v in values if v))
    return found or None


class FieldKeys:
    """The keys of one field for every row of one side."""

    def __init__(self, spec: FieldSpec, place_names: tuple[str, ...], norm: Normaliser) -> None:
        self.spec = spec
        self.places = place_names
        self.norm = norm

    def compute(self, main: list[Any], also: list[list[Any]]) -> dict[str, list[Any]]:
        f, compare = self.spec.field, self.spec.compare
        out: dict[str, list[Any]] = {key: [] for key in self.spec.derived()}
        for key in self.spec.derived_lists():
            out[key + MAIN] = []
        for value, others in zip(main, also, strict=True):
            for key, found in self._row(compare, f, value, others).items():
                out[key].append(found)
        return out

    def _core(self, value: Any) -> str | None:
        return nz.firm_core(value, self.places)

    def _row(self, compare: str, f: str, value: Any, others: list[Any]) -> dict[str, Any]:
        c = self.norm.cached
        if compare in ("name", "firm_name"):
            values = [value, *others]
            if compare == "name":
                keys = _unique([c("person", v, nz.person_key) for v in values])
                pinyin = _unique([c("pinyin", v, nz.person_pinyin) for v in values])
                extra: dict[str, Any] = {}
            else:
                keys = _unique([c(("firm", self.places), v, self._core) for v in values])
                pinyin = _unique([c("firm_pinyin", k, nz.firm_pinyin) for k in keys or []])
                full = _unique([c("firm_full", v, nz.firm_full) for v in values])
                head = keys[0] if keys else None
                size = 2 if head and nz.has_cjk(head) else 4
                extra = {
                    f"{f}_prefix": head[:size] if head and len(head) > size else None,
                    f"{f}_full": full, f"{f}_full{MAIN}": full[0] if full else None,
                }  # fmt: skip
            return {
                f: keys, f"{f}_pinyin": pinyin, f + MAIN: keys[0] if keys else None,
                f"{f}_pinyin{MAIN}": pinyin[0] if pinyin else None, **extra,
            }  # fmt: skip
        if compare == "date":
            formats = tuple(self.spec.date_formats)
            day = c(("date", formats), value, lambda v: nz.iso_date(v, formats))
            return {f: day, f"{f}_year": day[:4] if day else None}
        if compare == "address":
            key = c(("address", self.places), value, lambda v: nz.address_key(v, self.places))
            return {f: key, f"{f}_street": c("street", key, nz.street_key)}
        if compare in ("identity_number", "legacy_number"):
            return {f: c("number", value, nz.number_key)}
        return {f: c("clean", value, nz.clean)}


def side_table(
    config: LinkConfig,
    side: Side,
    ids: Sequence[str],
    columns: Mapping[str, Sequence[Any]],
    kinds: Sequence[str] | None = None,
    norm: Normaliser | None = None,
) -> pa.Table:
    """The keys of one side as an Arrow table: id, dataset, optional subject kind, then keys.

    ``columns`` maps each raw column the config names on this side to its values (missing
    columns read as nothing).
    """
    norm = norm or Normaliser()
    count = len(ids)
    nothing: list[Any] = [None] * count
    places = tuple(config.place_names)
    arrays: dict[str, pa.Array] = {
        ID: pa.array([str(i) for i in ids], pa.string()),
        DATASET: pa.array([DATASETS[side]] * count, pa.string()),
    }
    if kinds is not None:
        arrays[KIND] = pa.array(list(kinds), pa.string())
    list_keys = config.list_keys()
    for spec in config.fields:
        names = spec.left_columns if side == "left" else spec.right_columns
        also_names = spec.left_also if side == "left" else spec.right_also
        parts = [columns.get(name, nothing) for name in names]
        main = [_joined(row) for row in zip(*parts, strict=True)] if parts else nothing
        also_columns = [columns.get(name, nothing) for name in also_names]
        also = [
            [v for column in also_columns for v in _alternatives(column[i])] for i in range(count)
        ]
        for key, values in FieldKeys(spec, places, norm).compute(main, also).items():
            kind = pa.list_(pa.string()) if key in list_keys else pa.string()
            arrays[key] = pa.array(values, kind)
    return pa.table(arrays)
