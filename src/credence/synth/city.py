"""Generate the synthetic city: every source's export and mapping, the manifest, the truth.

Each stage draws from its own random stream, named by seed and stage, so the output depends only
on the arguments, and a change to one source leaves the others' files as they were.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from credence.errors import CredenceError
from credence.synth import names
from credence.synth.catalog import SOURCES
from credence.synth.consent import ConsentBook, Platform, make_consents
from credence.synth.events import Event, EventMaker, consent_events
from credence.synth.layout import SourceSpec
from credence.synth.manifest import TRUTH_FILES, CityManifest, SourceEntry
from credence.synth.platforms import CONSENT_REGISTRY, PLATFORM_SHARES
from credence.synth.population import Population, make_population
from credence.synth.resolving import REGISTRY_FILE, resolve_configs, write_config, write_registry
from credence.synth.table import SourceTable, build_table
from credence.synth.variants import assign_former_names
from credence.synth.writers import write_export, write_mapping, write_truth_csv

# A copy held by a lower level: (its source, its row, the source of the original, its row).
Duplicate = tuple[str, int, str, int]


def _stream(seed: int, stage: str) -> random.Random:
    return random.Random(f"credence-synth:{seed}:{stage}")


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Millions of small acyclic objects: the cycle collector only rescans them (a third of
    the time for 200,000 people), so it pauses while the city is built."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def generate_city(
    out_dir: Path, people: int, organizations: int, seed: int, end_date: date
) -> CityManifest:
    """Write a city of ``people`` residents and ``organizations`` firms into ``out_dir``."""
    with _no_cycle_collection():
        return _generate(Path(out_dir), people, organizations, seed, end_date)


def _copies(
    rng: random.Random, spec: SourceSpec, originals: list[Event]
) -> list[tuple[Event, Event]]:
    """(copy, original) for the records of another source this one holds again."""
    pool = [
        e for e in originals
        if e.kind in spec.copy_kinds and e.subject.district in spec.copy_districts
        and e.subject.kind in spec.subject_kinds
    ]  # fmt: skip
    chosen = [e for e in pool if rng.random() < spec.copy_share]
    return [(Event(e.subject, e.kind, e.when, e.amount, dict(e.attributes)), e) for e in chosen]


def _generate(
    out: Path, people: int, organizations: int, seed: int, end_date: date
) -> CityManifest:
    if people < 1 or organizations < 1:
        raise CredenceError("a city needs at least one person and one organization")
    if out.exists() and not out.is_dir():
        raise CredenceError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)

    population = make_population(_stream(seed, "population"), people, organizations, end_date)
    assign_former_names(_stream(seed, "former-names"), population)
    platforms = [Platform(src, p, o) for src, (p, o) in PLATFORM_SHARES.items()]
    book = make_consents(_stream(seed, "consent"), population, platforms, end_date)
    maker = EventMaker(population, book, end_date)

    entries: list[SourceEntry] = []
    tables: list[SourceTable] = []
    copied = {spec.copy_of for spec in SOURCES if spec.copy_of}
    held: dict[str, tuple[list[Event], SourceTable]] = {}
    duplicates: list[Duplicate] = []
    for spec in SOURCES:
        rng = _stream(seed, spec.source)
        if spec is CONSENT_REGISTRY:
            events = consent_events(book)
        else:
            events = [event for plan in spec.plans for event in maker.make(rng, plan)]
        copies = _copies(rng, spec, held[spec.copy_of][0]) if spec.copy_of else []
        events += [copy for copy, _original in copies]
        track = spec.source in copied or bool(copies)
        table = build_table(spec, events, end_date, rng, track=track)
        if spec.source in copied:
            held[spec.source] = (events, table)
        if spec.copy_of:
            kept = held[spec.copy_of][1]
            duplicates += [(spec.source, table.row_of[id(copy)], spec.copy_of,
                            kept.row_of[id(original)]) for copy, original in copies]
        data_file = f"{spec.source}.{spec.fmt}"
        mapping_file = f"{spec.source}.yaml"
        write_export(out / data_file, spec, table.rows)
        write_mapping(out / mapping_file, spec)
        configs = resolve_configs(spec)
        for name, config in configs:
            write_config(out / name, config)
        entries.append(
            SourceEntry(
                source=spec.source, file=data_file, mapping=mapping_file, format=spec.fmt,
                level=spec.level, stream=spec.stream, category=spec.category,
                consent_required=spec.consent_required, rows=len(table.rows),
                bad_rows=table.bad_by_reason(), to_resolve=len(table.links), kinds=spec.kinds(),
                resolve=[name for name, _config in configs], copies_of=spec.copy_of,
            )
        )
        table.rows.clear()  # on disk now: keep only the truth about them
        tables.append(table)

    scoring = book.scoring_codes()
    write_registry(out / REGISTRY_FILE, population)
    _write_truth(out, population, book, scoring, tables)
    write_truth_csv(out / TRUTH_FILES["duplicates"], ("source", "row", "of_source", "of_row"),
                    sorted(duplicates))  # fmt: skip
    manifest = CityManifest(
        root=out, city=names.CITY, seed=seed, end_date=end_date, people=people,
        organizations=organizations, people_consenting=len(scoring), sources=entries,
        registry=REGISTRY_FILE,
    )
    manifest.write()
    return manifest


def _write_truth(
    out: Path, population: Population, book: ConsentBook, scoring: set[str],
    tables: list[SourceTable],
) -> None:
    """Ground truth for tests: subjects, bad rows, code-less rows, consents."""
    write_truth_csv(
        out / TRUTH_FILES["subjects"],
        ("code", "kind", "name", "district", "consent_scoring", "industry", "self_employed",
         "birth_date", "legacy_id", "address", "former_names", "founded"),
        (
            (s.code, s.kind, s.name, s.district,
             s.kind == "organization" or s.code in scoring,  # firms need no consent
             s.industry, s.self_employed if s.kind == "person" else None, s.birth,
             s.legacy_id, s.address, "|".join(s.former_names), s.founded)
            for s in population.all()
        ),
    )
    write_truth_csv(
        out / TRUTH_FILES["bad_rows"], ("source", "row", "reason"),
        ((t.spec.source, row, reason) for t in tables for row, reason in t.bad),
    )
    write_truth_csv(
        out / TRUTH_FILES["links"], ("source", "row", "code"),
        ((t.spec.source, row, code) for t in tables for row, code in t.links),
    )
    consents = [
        (c.subject.code, c.subject.kind, c.scope, c.consent_id, c.granted, c.withdrawn,
         "withdrawn" if c.withdrawn else "granted")
        for c in book.consents
    ]
    consents += [
        (code, kind_of[code], source, member.consent_ref, member.joined, None, "missing")
        for kind_of in [{s.code: s.kind for s in population.all()}]
        for source, members in book.members.items()
        for code, member in members.items()
        if not member.consented
    ]
    write_truth_csv(
        out / TRUTH_FILES["consents"],
        ("code", "kind", "scope", "consent_ref", "granted_on", "withdrawn_on", "status"),
        consents,
    )
