"""How one source spells its records: columns, codes, dates, and the mapping that undoes it.

The same ``SourceSpec`` renders the rows and writes the source mapping, so the data files and
their mappings cannot drift apart.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

from credence.synth import names
from credence.synth.events import Event, Plan
from credence.synth.kinds import KIND_CATEGORIES
from credence.synth.population import Subject
from credence.synth.variants import hint_variant

Format = Literal["csv", "jsonl", "parquet"]
_DISTRICT_NUMBERS = {key: f"{n:02d}" for n, (key, *_rest) in enumerate(names.DISTRICTS, start=1)}


@dataclass(frozen=True)
class Layout:
    """Column names and spellings of one source's export."""

    code: str  # column with the USCC or resident identity number
    date: str
    date_format: str | None = None  # strftime format; None: ISO dates
    kind: str | None = None  # None: the source emits a single kind
    kind_values: Mapping[str, str] = field(default_factory=dict)  # source value → kind
    subject_kind: str | None = None  # column telling people from firms
    subject_kind_values: Mapping[str, str] = field(default_factory=dict)
    key: tuple[tuple[str, str], ...] = ()  # (column, template over year, month, seq, dcode)
    amount: str | None = None
    consent: str | None = None
    category: str | None = None  # per-row category column
    hints: Mapping[str, str] = field(default_factory=dict)  # hint → column
    attributes: Mapping[str, str] = field(default_factory=dict)  # attribute → column


@dataclass(frozen=True)
class SourceSpec:
    """One local database of the city, what it records and how it exports it."""

    source: str
    description: str
    level: str
    stream: str
    category: str
    fmt: Format
    subject_kinds: tuple[str, ...]
    layout: Layout
    plans: tuple[Plan, ...] = ()
    consent_required: bool = False
    resolve_share: float = 0.0  # rows that carry hints only, for resolution
    copy_of: str | None = None  # a source whose records this one also holds (a lower level)
    copy_share: float = 0.0  # share of that source's records (of copy_kinds, in copy_districts)
    copy_kinds: tuple[str, ...] = ()
    copy_districts: tuple[str, ...] = ()

    def kinds(self) -> list[str]:
        """Every canonical kind this source may emit, in a stable order."""
        found = list(self.layout.kind_values.values()) + [p.kind for p in self.plans]
        return list(dict.fromkeys(found + list(self.copy_kinds)))

    def columns(self) -> list[str]:
        lay = self.layout
        cols = [column for column, _template in lay.key]
        cols += [lay.subject_kind] if lay.subject_kind else []
        cols += [lay.code, *lay.hints.values()]
        cols += [lay.kind] if lay.kind else []
        cols.append(lay.date)
        for optional in (lay.amount, lay.category):
            cols += [optional] if optional else []
        cols += list(lay.attributes.values())
        cols += [lay.consent] if lay.consent else []
        return cols

    def format_date(self, day: date, seq: int) -> str:
        """The date as this source writes it (a time of day when its format has one)."""
        fmt = self.layout.date_format
        if fmt is None:
            return day.isoformat()
        moment = datetime.combine(day, time(7 + seq * 7 % 14, seq * 13 % 60, seq * 29 % 60))
        return moment.strftime(fmt)


def _hint(subject_value: object) -> str | None:
    if isinstance(subject_value, date):
        return subject_value.isoformat()
    return None if subject_value is None else str(subject_value)


def _subject_value(subject: Subject, hint: str) -> object:
    """What a source knows of a subject for a hint: a birth day, or a firm's founding day."""
    if hint == "birth_date":
        return subject.birth or subject.founded
    return getattr(subject, hint)


class Renderer:
    """Turns events into rows of one source; the reverse look-ups are built once."""

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        lay = spec.layout
        self._subject_raw = {kind: raw for raw, kind in lay.subject_kind_values.items()}
        # The first source value of a kind is the one the source writes today.
        self._kind_raw = {kind: raw for raw, kind in reversed(list(lay.kind_values.items()))}

    def row(
        self, event: Event, seq: int, *, resolve: bool = False, rng: random.Random | None = None
    ) -> dict[str, Any]:
        """One row; ``resolve`` drops the code and keeps what resolution needs (name variants)."""
        lay = self.spec.layout
        subject = event.subject
        fields = {
            "year": event.when.year,
            "month": event.when.month,
            "seq": seq,
            "dcode": _DISTRICT_NUMBERS[subject.district],
        }
        row: dict[str, Any] = {}
        for number, (column, template) in enumerate(lay.key):
            row[column] = event.key if event.key and number == 0 else template.format(**fields)
        if lay.subject_kind:
            row[lay.subject_kind] = self._subject_raw[subject.kind]
        row[lay.code] = None if resolve else subject.code
        for hint, column in lay.hints.items():
            value = _hint(_subject_value(subject, hint))
            if resolve and rng is not None:
                value = hint_variant(rng, hint, subject, value)
            row[column] = value
        if lay.kind:
            row[lay.kind] = self._kind_raw.get(event.kind, event.kind)
        row[lay.date] = self.spec.format_date(event.when, seq)
        if lay.amount:
            row[lay.amount] = event.amount
        if lay.category:
            row[lay.category] = KIND_CATEGORIES[event.kind]
        for attribute, column in lay.attributes.items():
            row[column] = event.attributes.get(attribute)
        if lay.consent:
            row[lay.consent] = event.consent_ref
        return row


def mapping_for(spec: SourceSpec) -> dict[str, Any]:
    """The source mapping YAML (as a dict) that turns this export back into records."""
    lay = spec.layout
    fields: dict[str, Any] = {}
    if lay.key:
        keys = [column for column, _template in lay.key]
        fields["record_key"] = keys[0] if len(keys) == 1 else keys
    fields["subject_code"] = lay.code
    if lay.kind is None:
        fields["kind"] = {"value": spec.kinds()[0]}
    elif lay.kind_values:
        fields["kind"] = {"column": lay.kind, "values": dict(lay.kind_values)}
    else:
        fields["kind"] = lay.kind
    fields["occurred_at"] = (
        {"column": lay.date, "format": lay.date_format} if lay.date_format else lay.date
    )
    for name, column in (("amount", lay.amount), ("consent_ref", lay.consent),
                         ("category", lay.category)):
        if column:
            fields[name] = column
    subject_kind: Any = spec.subject_kinds[0]
    if lay.subject_kind:
        subject_kind = {"column": lay.subject_kind, "values": dict(lay.subject_kind_values)}
    mapping: dict[str, Any] = {
        "source": spec.source,
        "description": spec.description,
        "level": spec.level,
        "stream": spec.stream,
        "category": spec.category,
        "consent_required": spec.consent_required,
        "subject_kind": subject_kind,
        "fields": fields,
    }
    if lay.hints:
        mapping["hints"] = dict(lay.hints)
    if lay.attributes:
        mapping["attributes"] = dict(lay.attributes)
    mapping["kinds"] = spec.kinds()
    return mapping
