"""Read one subject's rows from a batch's Parquet parts without asking every footer again.

Batch parts are immutable and sorted by subject, so each row group holds a narrow band of
subject codes. The locator reads a part's footer once per process and keeps, for each row group,
the min and max of ``subject_kind`` and ``subject_code`` from its statistics; a lookup then picks
the row groups whose band holds the subject (one, in a sorted part) and decodes only those. Parts
of an older, unsorted layout are read correctly too, only through more row groups.

This is the online path's read (one new record, one subject rescored); scans go through DuckDB.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credence.model import RECORD_COLUMNS, RECORD_SCHEMA

# Stand-ins for a missing min or max, below and above every string.
_BELOW, _ABOVE = "", "\U0010ffff"


@dataclass(frozen=True)
class _Bands:
    """The min and max of one column in each row group of a file, as arrays: a lookup compares
    against all of them at once."""

    low: np.ndarray
    high: np.ndarray
    single: np.ndarray  # whether the row group holds one value only
    nulls: np.ndarray  # whether the row group may hold nulls (unknown counts as may)

    def holding(self, value: str) -> np.ndarray:
        return (self.low <= value) & (value <= self.high)


class RecordLocator:
    """Per-process footers of record parts and id indexes, keyed by path (they never change in
    place), with each row group's bands for the columns asked about."""

    def __init__(self) -> None:
        self._metadata: dict[str, pq.FileMetaData] = {}
        self._bands: dict[tuple[str, str], _Bands] = {}
        self._fingerprints: dict[str, np.ndarray | None] = {}
        self._lock = threading.Lock()

    def subject_rows(self, files: list[str], kind: str, code: str) -> list[dict[str, Any]]:
        """The rows of ``files`` whose subject is (kind, code), as dicts in RECORD_COLUMNS."""
        tables: list[pa.Table] = []
        for path in files:
            kinds, codes = self.bands(path, "subject_kind"), self.bands(path, "subject_code")
            candidates = np.flatnonzero(kinds.holding(kind) & codes.holding(code))
            # A row group where the kinds change (organisations end, people begin) has codes of
            # both in its band: its two subject columns are read first, to skip it when neither
            # holds the subject.
            groups = [
                int(i)
                for i in candidates
                if kinds.single[i] or self._holds(path, int(i), kind, code)
            ]
            if groups:
                read = self._file(path).read_row_groups(groups, columns=list(RECORD_COLUMNS))
                tables.append(read.filter(_is_subject(read, kind, code)))
        return _records(tables)

    def codeless_rows(self, files: list[str], record_ids: list[str]) -> list[dict[str, Any]]:
        """The rows of ``files`` among ``record_ids`` that carry no subject code (the rows a
        link gives a subject), read only from row groups that may hold code-less rows and whose
        band of record ids can hold one of them: in a part sorted by subject, the code-less rows
        of a kind sit together, sorted by record id."""
        wanted = sorted(set(record_ids))
        tables: list[pa.Table] = []
        for path in files:
            ids, codes = self.bands(path, "record_id"), self.bands(path, "subject_code")
            hit = np.zeros(len(ids.low), dtype=bool)
            for record_id in wanted:
                hit |= ids.holding(record_id)
            groups = [int(i) for i in np.flatnonzero(hit & codes.nulls)]
            if groups:
                read = self._file(path).read_row_groups(groups, columns=list(RECORD_COLUMNS))
                mask = pc.and_(
                    pc.is_null(read["subject_code"]),
                    pc.is_in(read["record_id"], value_set=pa.array(wanted, pa.string())),
                )
                tables.append(read.filter(pc.fill_null(mask, False)))
        return _records(tables)

    def present(self, files: list[str], column: str, values: list[str]) -> set[str]:
        """Which of ``values`` appear in ``column`` of ``files`` (read row group by row group
        only where a band can hold one of them, and for record ids only where the id's
        fingerprint is in the file)."""
        found: set[str] = set()
        wanted = pa.array(sorted(set(values)), pa.string())
        for path in files:
            asked = set(values)
            if column == "record_id":
                fingerprints = self.fingerprints(path)
                if fingerprints is not None:
                    asked = {v for v in asked if _may_hold(fingerprints, v)}
            bands = self.bands(path, column)
            hit = np.zeros(len(bands.low), dtype=bool)
            for value in asked:
                hit |= bands.holding(value)
            groups = [int(i) for i in np.flatnonzero(hit)]
            if not groups:
                continue
            read = self._file(path).read_row_groups(groups, columns=[column])[column]
            found.update(str(v) for v in pc.filter(read, pc.is_in(read, wanted)).to_pylist())
        return found

    def fingerprints(self, path: str) -> np.ndarray | None:
        """The first 32 bits of each record id of an id index (read once), sorted; None when
        an id is not of the form the ingest gives every record (32 characters, the first eight
        lowercase hex digits)."""
        with self._lock:
            if path in self._fingerprints:
                return self._fingerprints[path]
        found = _read_fingerprints(path)
        with self._lock:
            self._fingerprints[path] = found
        return found

    def bands(self, path: str, column: str) -> _Bands:
        """Each row group's band of ``column`` in the file at ``path`` (its footer read once)."""
        with self._lock:
            found = self._bands.get((path, column))
        if found is not None:
            return found
        metadata = self._footer(path)
        at = metadata.schema.to_arrow_schema().names.index(column)
        pairs = [
            _bounds(metadata.row_group(i).column(at).statistics)
            for i in range(metadata.num_row_groups)
        ]
        low = np.array([p[0] for p in pairs] or [_BELOW], dtype=str)[: len(pairs)]
        high = np.array([p[1] for p in pairs] or [_ABOVE], dtype=str)[: len(pairs)]
        nulls = np.array([p[2] for p in pairs], dtype=bool)
        bands = _Bands(low, high, (low == high) & ~nulls, nulls)
        with self._lock:
            self._bands[(path, column)] = bands
        return bands

    def _footer(self, path: str) -> pq.FileMetaData:
        with self._lock:
            found = self._metadata.get(path)
        if found is None:
            found = pq.read_metadata(path)
            with self._lock:
                self._metadata[path] = found
        return found

    def _file(self, path: str) -> pq.ParquetFile:
        return pq.ParquetFile(path, metadata=self._footer(path))

    def _holds(self, path: str, group: int, kind: str, code: str) -> bool:
        read = self._file(path).read_row_group(group, columns=["subject_kind", "subject_code"])
        return bool(pc.any(_is_subject(read, kind, code)).as_py())


def _records(tables: list[pa.Table]) -> list[dict[str, Any]]:
    """The rows found in each file, as dicts of RECORD_SCHEMA's Python values."""
    found = [t.cast(RECORD_SCHEMA) for t in tables if t.num_rows]
    return pa.concat_tables(found).to_pylist() if found else []


def _is_subject(table: pa.Table, kind: str, code: str) -> pa.ChunkedArray:
    mask = pc.and_(pc.equal(table["subject_code"], code), pc.equal(table["subject_kind"], kind))
    return pc.fill_null(mask, False)


_NIBBLES = np.zeros(256, dtype=np.uint32)
_NIBBLES[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint32)
_IS_HEX = np.zeros(256, dtype=bool)
_IS_HEX[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = True
_PLACES = (16 ** np.arange(7, -1, -1)).astype(np.uint32)
_ID_LENGTH = 32  # a record id: the first 32 hex digits of a SHA-256 (``ingest/plan.py``)


def _read_fingerprints(path: str) -> np.ndarray | None:
    """The value of each id's first eight hex digits, read straight from the string buffers
    batch by batch (the ids themselves are never held whole).

    Sorted ids give sorted fingerprints, so a lookup is a binary search: an id whose
    fingerprint is absent is certainly absent (at 10M ids, about 0.2% of absent ids share one
    and are looked up in their row group as before)."""
    parts: list[np.ndarray] = []
    with pq.ParquetFile(path) as index:
        for batch in index.iter_batches(batch_size=262_144, columns=["record_id"]):
            found = _batch_fingerprints(batch.column(0))
            if found is None:
                return None
            parts.append(found)
    fingerprints = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)
    if len(fingerprints) > 1 and not bool(np.all(fingerprints[1:] >= fingerprints[:-1])):
        fingerprints.sort()  # an index sorted otherwise than by bytes: search it all the same
    return fingerprints


def _batch_fingerprints(ids: pa.Array) -> np.ndarray | None:
    n = len(ids)
    if n == 0:
        return np.zeros(0, dtype=np.uint32)
    if ids.null_count or not pa.types.is_string(ids.type):
        return None
    offsets = np.frombuffer(ids.buffers()[1], dtype=np.int32, count=n + 1, offset=4 * ids.offset)
    if not bool(np.all(np.diff(offsets) == _ID_LENGTH)):
        return None
    data = np.frombuffer(ids.buffers()[2], dtype=np.uint8)
    digits = data[offsets[0] : offsets[-1]].reshape(n, _ID_LENGTH)[:, :8]
    if not bool(_IS_HEX[digits].all()):
        return None
    return (_NIBBLES[digits] * _PLACES).sum(axis=1, dtype=np.uint32)


def _may_hold(fingerprints: np.ndarray, record_id: str) -> bool:
    if len(record_id) != _ID_LENGTH:  # not an id the ingest gives: not in a file of such ids
        return False
    try:
        value = np.uint32(int(record_id[:8], 16))
    except ValueError:
        return False
    at = int(np.searchsorted(fingerprints, value))
    return at < len(fingerprints) and fingerprints[at] == value


def _bounds(stats: pq.Statistics | None) -> tuple[str, str, bool]:
    """A row group's (min, max) of a string column, the widest band where none was kept, and
    whether it may hold nulls."""
    nulls = stats is None or not stats.has_null_count or stats.null_count > 0
    if stats is None or not stats.has_min_max:
        return _BELOW, _ABOVE, nulls
    low, high = stats.min, stats.max
    if not isinstance(low, str) or not isinstance(high, str):
        return _BELOW, _ABOVE, nulls  # statistics of another physical type: no pruning on them
    return low, high, nulls
