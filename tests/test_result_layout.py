"""A run kept as files, written in N parts by subject: which files a reader of one subject opens.

The hash values are Spark's own ``hash(kind, code)`` (computed by Spark 3.5, written down here);
the Spark tests hold the hash to Spark and the files to the parts on every run.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from credence.store.layout import LAYOUT_FILE, part_of, spark_hash, subject_files, write_layout
from credence.store.results import subject_scan

SPARK_SAYS = [  # (kind, code, hash(kind, code), hash(kind)) as Spark computes them
    ("organization", "91350100M000100Y3F", -1906160036, 1829381364),
    ("person", "11010519491231002X", -1338523206, -799071751),
    ("organization", "瀾城", -1342357959, 1829381364),
    ("", "a", 1169967086, 142593372),
    ("abc", None, 1322437556, 1322437556),  # a null leaves the hash as it was
]


@pytest.mark.parametrize(("kind", "code", "both", "alone"), SPARK_SAYS)
def test_the_hash_is_sparks(kind: str, code: str | None, both: int, alone: int) -> None:
    assert spark_hash(kind, code) == both
    assert spark_hash(kind) == alone


def test_a_part_is_sparks_pmod_never_negative() -> None:
    assert part_of(8, "organization", "91350100M000100Y3F") == 4  # pmod(-1906160036, 8)
    assert part_of(8, "person", "11010519491231002X") == 2
    assert {part_of(3, "organization", f"{n:018d}") for n in range(60)} == {0, 1, 2}


def _one(sql: str) -> tuple[object, ...] | None:
    return duckdb.connect().execute(sql).fetchone()


def _dataset(folder: Path, result: str, parts: list[int]) -> None:
    (folder / result).mkdir(parents=True)
    for part in parts:
        duckdb.connect().execute(
            f"COPY (SELECT 'organization' AS subject_kind, '{part}' AS subject_code) "
            f"TO '{(folder / result / f'part-{part:05d}-abc-c000.zstd.parquet').as_posix()}'"
        )
    (folder / result / "_SUCCESS").write_text("", encoding="utf-8")


def test_a_reader_of_one_subject_opens_the_files_of_its_part(tmp_path: Path) -> None:
    folder = tmp_path / "run_a"
    _dataset(folder, "scores", [0, 1, 2, 3])
    write_layout(folder, 4)
    assert (folder / LAYOUT_FILE).is_file()
    part = part_of(4, "organization", "91350100M000100Y3F")
    files = subject_files(folder, "scores", "organization", "91350100M000100Y3F")
    assert files is not None and [Path(f).name for f in files] == [
        f"part-{part:05d}-abc-c000.zstd.parquet"
    ]
    sql = subject_scan(folder, "scores", "organization", "91350100M000100Y3F")
    (code,) = _one(f"SELECT subject_code FROM {sql}") or ("",)
    assert code == str(part)


def test_an_empty_part_reads_as_an_empty_table(tmp_path: Path) -> None:
    folder = tmp_path / "run_b"
    _dataset(folder, "scores", [])
    write_layout(folder, 4)
    assert subject_files(folder, "scores", "organization", "x") == ()
    sql = subject_scan(folder, "scores", "organization", "x")
    assert _one(f"SELECT COUNT(*) FROM {sql}") == (0,)
    described = duckdb.connect().execute(f"DESCRIBE SELECT * FROM {sql}").fetchall()
    assert "score" in [c for c, *_ in described]


def test_a_run_without_a_layout_is_read_whole(tmp_path: Path) -> None:
    folder = tmp_path / "run_c"
    _dataset(folder, "scores", [0, 1])
    assert subject_files(folder, "scores", "organization", "x") is None
    sql = subject_scan(folder, "scores", "organization", "x")
    assert _one(f"SELECT COUNT(*) FROM {sql}") == (2,)
