"""``manifest.json``: what a generated city holds, in ingest order, and where its truth lies.

The demo reads it to ingest every source in order; tests read it for the expected quarantine
counts. Paths in it are relative to the city folder, so the file is the same wherever it lands.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from credence.errors import CredenceError

MANIFEST_FILE = "manifest.json"
TRUTH_FILES = {
    "subjects": "truth/subjects.csv",
    "bad_rows": "truth/bad_rows.csv",
    "links": "truth/links.csv",
    "consents": "truth/consents.csv",
    "duplicates": "truth/duplicates.csv",
}
ROW_NUMBERS = "1-based data rows: the CSV header line is not counted"


@dataclass(frozen=True)
class SourceEntry:
    """One source of the city: its files, and how many of its rows are bad or code-less."""

    source: str
    file: str
    mapping: str
    format: str
    level: str
    stream: str
    category: str
    consent_required: bool
    rows: int  # every data row in the file, bad ones included
    bad_rows: dict[str, int] = field(default_factory=dict)  # expected quarantine reason → rows
    to_resolve: int = 0  # rows with no code but hints enough to resolve
    kinds: list[str] = field(default_factory=list)
    resolve: list[str] = field(default_factory=list)  # resolution configs of its code-less rows
    copies_of: str | None = None  # a source some of whose records this one holds again

    @property
    def bad_total(self) -> int:
        return sum(self.bad_rows.values())


@dataclass(frozen=True)
class CityManifest:
    """A generated city; ``root`` is where it was written (not stored in the JSON)."""

    root: Path
    city: str
    seed: int
    end_date: date
    people: int
    organizations: int
    people_consenting: int
    sources: list[SourceEntry]
    registry: str | None = None  # the authoritative subject registry, for resolution

    @property
    def total_rows(self) -> int:
        return sum(s.rows for s in self.sources)

    def bad_rows(self) -> dict[str, int]:
        """Expected quarantine counts over all sources, by reason."""
        totals: dict[str, int] = {}
        for entry in self.sources:
            for reason, count in entry.bad_rows.items():
                totals[reason] = totals.get(reason, 0) + count
        return dict(sorted(totals.items()))

    def path(self, relative: str) -> Path:
        return self.root / relative

    def to_dict(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "seed": self.seed,
            "end_date": self.end_date.isoformat(),
            "counts": {
                "people": self.people,
                "organizations": self.organizations,
                "people_consenting": self.people_consenting,
                "sources": len(self.sources),
                "rows": self.total_rows,
                "bad_rows": sum(self.bad_rows().values()),
                "to_resolve": sum(s.to_resolve for s in self.sources),
            },
            "bad_rows": self.bad_rows(),
            "row_numbers": ROW_NUMBERS,
            "truth": dict(TRUTH_FILES),
            "registry": self.registry,
            "sources": [_entry_dict(s) for s in self.sources],
        }

    def write(self) -> Path:
        target = self.root / MANIFEST_FILE
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        target.write_text(text, encoding="utf-8")
        return target


def _entry_dict(entry: SourceEntry) -> dict[str, Any]:
    return {
        "source": entry.source,
        "file": entry.file,
        "mapping": entry.mapping,
        "format": entry.format,
        "level": entry.level,
        "stream": entry.stream,
        "category": entry.category,
        "consent_required": entry.consent_required,
        "rows": entry.rows,
        "bad_rows": entry.bad_rows,
        "to_resolve": entry.to_resolve,
        "kinds": entry.kinds,
        "resolve": entry.resolve,
        "copies_of": entry.copies_of,
    }


def load_manifest(root: Path) -> CityManifest:
    """Read a city's manifest back (the demo ingests its sources in this order)."""
    target = Path(root) / MANIFEST_FILE
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
        return CityManifest(
            root=Path(root),
            city=data["city"],
            seed=int(data["seed"]),
            end_date=date.fromisoformat(data["end_date"]),
            people=int(data["counts"]["people"]),
            organizations=int(data["counts"]["organizations"]),
            people_consenting=int(data["counts"]["people_consenting"]),
            sources=[SourceEntry(**entry) for entry in data["sources"]],
            registry=data.get("registry"),
        )
    except FileNotFoundError as error:
        raise CredenceError(f"no synthetic city at {root}: {MANIFEST_FILE} is missing") from error
    except (KeyError, TypeError, ValueError) as error:
        raise CredenceError(f"{target} is not a synthetic city manifest: {error}") from error
