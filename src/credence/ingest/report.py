"""What one ingest did, as its caller (the command line, the demo, the service) reports it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FileReport:
    """One file of a batch: its path as given, the rows it numbered (the highest row number the
    reader reached) and the batch row number of its row 1 (unknown for a batch ingested before
    the catalog kept its files)."""

    file: str
    rows: int | None = None
    first_row: int | None = None


@dataclass
class IngestReport:
    """What one ingest did: rows read, loaded, skipped as duplicates, quarantined and why.

    ``file`` is the one file, or for a batch of several their common folder and count, each
    file in ``files``."""

    source: str
    file: str
    batch_id: str
    rows_in: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    already_ingested: bool = False
    seconds: float = 0.0
    files: list[FileReport] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
