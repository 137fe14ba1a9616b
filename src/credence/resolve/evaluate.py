"""Resolution against ground truth: precision and recall of the links a workspace holds.

Truth is known rows (source, row number) with the subject each belongs to; a link is right when
it names that subject. Precision counts every active link of those rows, recall every row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from credence.resolve.tables import ensure_tables
from credence.store.links import active_links


@dataclass
class Quality:
    """How well the links of a workspace agree with the truth."""

    rows: int = 0  # rows with a known subject
    linked: int = 0
    correct: int = 0
    review: int = 0  # rows waiting for a person
    wrong: list[dict[str, Any]] = field(default_factory=list)
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.correct / self.linked if self.linked else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.rows if self.rows else 1.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["precision"] = round(self.precision, 5)
        data["recall"] = round(self.recall, 5)
        return data


def link_quality(
    con: duckdb.DuckDBPyConnection, truth: Mapping[tuple[str, int], str]
) -> Quality:
    """Compare the active links of the rows in ``truth`` ((source, row) → code) with it."""
    ensure_tables(con)
    rows = con.execute(
        f"""SELECT r.source, r.row_number, l.subject_code,
            EXISTS (SELECT 1 FROM resolve_review q
                    WHERE q.record_id = r.record_id AND q.status = 'pending') AS waiting
        FROM records r
        LEFT JOIN ({active_links("now()")}) l
            ON l.record_id = r.record_id
        WHERE r.source IN (SELECT unnest(?::VARCHAR[]))""",
        [sorted({source for source, _row in truth})],
    ).fetchall()
    quality = Quality(rows=len(truth))
    for source, row, code, waiting in rows:
        expected = truth.get((source, int(row)))
        if expected is None:
            continue
        counts = quality.by_source.setdefault(
            source, {"rows": 0, "linked": 0, "correct": 0, "review": 0}
        )
        counts["rows"] += 1
        if code is not None:
            quality.linked += 1
            counts["linked"] += 1
            if code == expected:
                quality.correct += 1
                counts["correct"] += 1
            else:
                quality.wrong.append(
                    {"source": source, "row": int(row), "linked": code, "truth": expected}
                )
        elif waiting:
            quality.review += 1
            counts["review"] += 1
    return quality
