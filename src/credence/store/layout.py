"""Where one subject's rows are in a run kept as files, so a reader of one subject opens one file
per table, however many the run wrote.

A Spark run's executors write each result table in the partitions of the plan's one exchange:
hash-partitioned by ``(subject_kind, subject_code)`` into N parts, part ``i`` written as
``part-0000i-*.parquet``. ``layout.json`` in the run's folder records N, and a subject's part is
Spark's own ``pmod(hash(subject_kind, subject_code), N)``: Murmur3 x86 32-bit, seed 42, each
column's UTF-8 bytes hashed with the previous column's hash as the seed, and the trailing bytes
mixed one at a time, sign-extended (Spark's legacy byte hash, which standard Murmur3 libraries
do not reproduce; a test holds this one to Spark's ``hash`` and to the files Spark writes).

A run without ``layout.json`` (the embedded engine's files, a run from before layouts) is read
whole: a filter on the subject prunes its row groups.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

LAYOUT_FILE = "layout.json"
SEED = 42
_MASK = 0xFFFFFFFF
_PART = re.compile(r"^part-(\d+)-.*\.parquet$")


def _mix_k1(k: int) -> int:
    k = (k * 0xCC9E2D51) & _MASK
    k = ((k << 15) | (k >> 17)) & _MASK
    return (k * 0x1B873593) & _MASK


def _mix_h1(h: int, k: int) -> int:
    h ^= k
    h = ((h << 13) | (h >> 19)) & _MASK
    return (h * 5 + 0xE6546B64) & _MASK


def _fmix(h: int, length: int) -> int:
    h ^= length
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    return h ^ (h >> 16)


def _hash_bytes(data: bytes, seed: int) -> int:
    h = seed & _MASK
    aligned = len(data) - len(data) % 4
    for i in range(0, aligned, 4):
        h = _mix_h1(h, _mix_k1(int.from_bytes(data[i : i + 4], "little")))
    for byte in data[aligned:]:
        h = _mix_h1(h, _mix_k1((byte - 256 if byte > 127 else byte) & _MASK))
    return _fmix(h, len(data))


def spark_hash(*values: str | None) -> int:
    """Spark SQL's ``hash(values...)`` of strings (a null leaves the hash as it was)."""
    h = SEED
    for value in values:
        if value is not None:
            h = _hash_bytes(value.encode("utf-8"), h)
    return h - (1 << 32) if h >= 1 << 31 else h


def part_of(parts: int, kind: str, code: str) -> int:
    """The part holding a subject's rows in a run written in ``parts`` partitions by subject."""
    return spark_hash(kind, code) % parts


def write_layout(folder: Path, parts: int) -> None:
    """Record that the run in ``folder`` is written in ``parts`` partitions by subject."""
    layout = {"partitioned_by": ["subject_kind", "subject_code"], "hash": "spark", "parts": parts}
    (folder / LAYOUT_FILE).write_text(json.dumps(layout) + "\n", encoding="utf-8")


@lru_cache(maxsize=64)
def _parts(folder: str) -> int | None:
    """N of a sealed run's folder (a sealed folder never changes: its run id is its own)."""
    path = Path(folder) / LAYOUT_FILE
    if not path.is_file():
        return None
    return int(json.loads(path.read_text(encoding="utf-8"))["parts"])


@lru_cache(maxsize=512)
def _files_by_part(dataset: str) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    for path in sorted(Path(dataset).iterdir()):
        matched = _PART.match(path.name)
        if matched:
            found.setdefault(int(matched.group(1)), []).append(path.as_posix())
    return {part: tuple(paths) for part, paths in found.items()}


def subject_files(folder: Path | str, result: str, kind: str, code: str) -> tuple[str, ...] | None:
    """The files of ``result`` that can hold a subject's rows: those of its part (none when the
    part is empty), or None when the run has no layout and every file must be read."""
    parts = _parts(Path(folder).as_posix())
    if parts is None:
        return None
    dataset = Path(folder) / result
    if not dataset.is_dir():
        return None
    return _files_by_part(dataset.as_posix()).get(part_of(parts, kind, code), ())
