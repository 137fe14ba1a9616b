"""One source's export in memory: its rows in file order, and what is known about each row.

Rows are sorted by date as a database export would be; bad rows are slipped in at random places,
and the 1-based row numbers (header excluded) of bad rows and code-less rows are kept as truth.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from credence.synth.badrows import bad_count, corrupt, pick_reasons
from credence.synth.events import Event
from credence.synth.layout import Renderer, SourceSpec


@dataclass(slots=True)
class SourceTable:
    """Rows of one source plus ground truth: bad rows by reason, code-less rows by true code."""

    spec: SourceSpec
    rows: list[dict[str, Any]]
    bad: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)
    links: list[tuple[int, str]] = field(default_factory=list)  # (row number, true code)
    row_of: dict[int, int] = field(default_factory=dict)  # id(event) → row number, if tracked

    def bad_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(reason for _row, reason in self.bad).items()))


def build_table(
    spec: SourceSpec, events: list[Event], end: date, rng: random.Random, track: bool = False
) -> SourceTable:
    """Render, sort, damage: the export exactly as the file will hold it. ``track`` keeps the
    row number of every event (for copies of it held by another source)."""
    renderer = Renderer(spec)
    events.sort(key=lambda e: (e.when, e.subject.code, e.kind, e.key or ""))
    tagged: list[tuple[dict[str, Any], tuple[str, str] | None]] = []
    rendered: dict[int, int] = {}  # id(row) → id(event)
    for seq, event in enumerate(events, start=1):
        if spec.resolve_share and rng.random() < spec.resolve_share:
            row = renderer.row(event, seq, resolve=True, rng=rng)
            tagged.append((row, ("link", event.subject.code)))
        else:
            tagged.append((renderer.row(event, seq), None))
        if track:
            rendered[id(tagged[-1][0])] = id(event)

    count = bad_count(spec, len(events))
    for number, reason in enumerate(pick_reasons(spec, count, rng), start=1):
        template = events[rng.randrange(len(events))]
        seq = len(events) + number
        if template.key:  # a source key (consent ids) must stay unique too
            template = Event(template.subject, template.kind, template.when, template.amount,
                             template.attributes, template.consent_ref, key=f"CRX{seq:07d}")
        bad = corrupt(spec, renderer.row(template, seq), reason, seq, end, rng)
        tagged.insert(rng.randint(0, len(tagged)), (bad, ("bad", reason)))

    table = SourceTable(spec=spec, rows=[row for row, _tag in tagged])
    for number, (row, tag) in enumerate(tagged, start=1):
        if id(row) in rendered:
            table.row_of[rendered[id(row)]] = number
        if tag is None:
            continue
        if tag[0] == "bad":
            table.bad.append((number, tag[1]))
        else:
            table.links.append((number, tag[1]))
    return table
