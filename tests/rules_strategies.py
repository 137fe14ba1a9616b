"""Hypothesis strategies: small valid rulesets and records that exercise every rule construct."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from credence.rules.explain import Override
from credence.rules.spec import Ruleset

KINDS = ["tax.late", "tax.arrears", "court.unfulfilled", "court.fine", "vol.hours"]
SOURCES = [("city-a", "city"), ("district-b", "district"), ("lender", "private")]
START = date(2015, 1, 1)


@st.composite
def rulesets(draw: st.DrawFn) -> Ruleset:
    """A ruleset whose requirements cannot overlap (each owns its kinds, some split by amount)."""
    kinds = draw(st.permutations(KINDS))
    n_reqs = draw(st.integers(2, len(kinds)))
    requirements: list[dict[str, Any]] = []
    for i in range(n_reqs):
        kind = kinds[i]
        negative = draw(st.booleans())
        points = draw(st.integers(-60, -1)) if negative else draw(st.integers(1, 40))
        base: dict[str, Any] = {
            "points": points,
            "category": "court_judgment" if kind.startswith("court") else "tax",
            "legal_basis": "Test Law",
        }
        if negative or draw(st.booleans()):
            base["valid_for"] = draw(
                st.sampled_from(["P5Y", "P3Y", "P2Y3M10D", "P1Y", "P6M", "P1M", "P45D"])
                | st.builds(lambda m, d: f"P{m}M{d}D", st.integers(0, 59), st.integers(1, 40))
            )
        if draw(st.integers(0, 2)) > 0:
            base["cap"] = draw(st.integers(1, 3))
        if negative and draw(st.booleans()):
            base["severity"] = draw(st.sampled_from(["minor", "general", "serious"]))
        if negative and kind.startswith("court") and draw(st.booleans()):
            base["lists"] = ["black"]
        if draw(st.booleans()):
            base["applies_to"] = [draw(st.sampled_from(["person", "organization"]))]
        style = draw(
            st.sampled_from(["eq", "amount-split", "attr-bool", "attr-num", "attr-text", "in"])
        )
        when: dict[str, Any] = {"kind": kind}
        if style == "amount-split":
            cut = draw(st.integers(0, 1000))
            requirements.append(
                {**base, "id": f"R{i}a", "when": {"kind": kind, "amount": {"lt": cut}}}
            )
            other = {**base, "id": f"R{i}b", "when": {"kind": kind, "amount": {"gte": cut}}}
            other["points"] = (
                -base["points"] if draw(st.booleans()) and base["points"] < 0 else base["points"]
            )
            if other["points"] > 0:
                other.pop("lists", None)
                other.pop("severity", None)
            requirements.append(other)
            continue
        if style == "attr-bool":
            when["attributes"] = {"fulfilled": {"eq": draw(st.booleans())}}
        elif style == "attr-num":
            when["attributes"] = {"hours": {"gte": draw(st.integers(0, 10))}}
        elif style == "attr-text":
            when["attributes"] = {
                "court": {
                    "in": draw(st.lists(st.sampled_from(["x", "y", "z"]), min_size=1, unique=True))
                }
            }
        elif style == "in":
            when = (
                {"kind": {"prefix": kind.split(".")[0] + "."}}
                if False
                else {"kind": {"in": [kind]}}
            )
        requirements.append({**base, "id": f"R{i}", "when": when})
    n_ratings = draw(st.integers(1, min(3, len(requirements))))
    ratings = []
    for r in range(n_ratings):
        chunk = requirements[r::n_ratings]
        applies = draw(st.sampled_from([["person"], ["organization"], ["person", "organization"]]))
        for req in chunk:
            if "applies_to" in req and req["applies_to"][0] not in applies:
                req["applies_to"] = applies[:1]
        ratings.append(
            {
                "id": f"rating-{r}",
                "stream": "administrative",
                "applies_to": applies,
                "requirements": chunk,
            }
        )
    p = sorted(
        draw(st.lists(st.integers(800, 1100), min_size=3, max_size=3, unique=True)), reverse=True
    )
    o = sorted(
        draw(st.lists(st.integers(800, 1100), min_size=2, max_size=2, unique=True)), reverse=True
    )
    doc: dict[str, Any] = {
        "ruleset": "test",
        "version": "1",
        "base_points": 1000,
        "grades": {
            "person": [
                {"grade": "AAA", "min": p[0], "measures": ["low"]},
                {"grade": "A", "min": p[1]},
                {"grade": "B", "min": p[2]},
                {"grade": "D"},
            ],
            "organization": [
                {"grade": "1", "min": o[0]},
                {"grade": "2", "min": o[1]},
                {"grade": "4"},
            ],
        },
        "ratings": ratings,
        "lists": {
            "black": {
                "notice_days": draw(st.integers(0, 30)),
                "duration": draw(st.sampled_from(["P2Y", "P6M", "P1Y15D"])),
                "measures": ["high", "ban"],
            },
            "red": {
                "min_grade": {"person": draw(st.sampled_from(["AAA", "A"])), "organization": "1"},
                "clean_years": draw(st.integers(0, 3)),
                "measures": ["low"],
            },
        },
        "measures": [
            {"id": "high", "effect": {"inspection_rate": 0.98}, "legal_basis": "Inspection Rules"},
            {"id": "low", "effect": {"inspection_rate": 0.005}, "legal_basis": "Inspection Rules"},
            {
                "id": "ban",
                "effect": {"may_bid_public_tenders": False},
                "legal_basis": "Procurement Law",
            },
        ],
    }
    return Ruleset.model_validate(doc)


def _attributes(draw: st.DrawFn) -> str | None:
    attrs: dict[str, Any] = {}
    if draw(st.booleans()):
        attrs["fulfilled"] = draw(st.sampled_from([True, False, "true", "FALSE", 1]))
    if draw(st.booleans()):
        attrs["hours"] = draw(st.sampled_from([0, 3, 7.5, 12, "5", "abc", None]))
    if draw(st.booleans()):
        attrs["court"] = draw(st.sampled_from(["x", "y", "zz", ""]))
    return json.dumps(attrs) if attrs or draw(st.booleans()) else None


@st.composite
def subject_records(
    draw: st.DrawFn, kind: str, code: str, start_id: int, as_of: date
) -> list[dict[str, Any]]:
    """Records of one subject, consent records included, mostly in the six years before as_of."""
    records = []
    n = draw(st.integers(2, 14))
    for i in range(n):
        consent = draw(st.integers(0, 7)) == 7
        source, level = draw(st.sampled_from(SOURCES))
        occurred = as_of - timedelta(days=draw(st.integers(-60, 365 * 6)))
        if consent:
            event = draw(st.sampled_from(["consent.granted", "consent.withdrawn"]))
            scope = draw(st.sampled_from(["scoring", "lender"]))
            attributes: str | None = json.dumps({"scope": scope})
            source, level = "consent-registry", "city"
        else:
            event = draw(st.sampled_from([*KINDS, *KINDS, "other.kind"]))
            attributes = _attributes(draw)
        amount = draw(st.one_of(st.none(), st.integers(0, 1200).map(float)))
        records.append(
            {
                "record_id": f"rec-{start_id + i:05d}",
                "source": source,
                "level": level,
                "stream": "administrative",
                "category": "tax",
                "subject_kind": kind,
                "subject_code": code,
                "hints": None,
                "kind": event,
                "occurred_at": occurred,
                "amount": amount,
                "attributes": attributes,
                "batch_id": "b",
                "row_number": start_id + i,
                "consent_ref": None,
            }
        )
    return records


@st.composite
def populations(draw: st.DrawFn, as_of: date) -> list[dict[str, Any]]:
    """A few people and organisations with their records."""
    out: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 4))):
        kind = "person" if i % 2 == 0 else "organization"
        always_consent = draw(st.integers(0, 3)) < 3
        recs = draw(subject_records(kind, f"S{i}", start_id=len(out), as_of=as_of))
        if always_consent and kind == "person":
            recs.append(
                {
                    **(
                        recs[0]
                        if recs
                        else {
                            "source": "consent-registry",
                            "level": "city",
                            "stream": "social",
                            "category": "consent",
                            "subject_kind": kind,
                            "subject_code": f"S{i}",
                            "hints": None,
                            "amount": None,
                            "batch_id": "b",
                            "consent_ref": None,
                        }
                    ),
                    "record_id": f"consent-{i}",
                    "kind": "consent.granted",
                    "occurred_at": as_of - timedelta(days=365 * 7),
                    "attributes": json.dumps({"scope": "scoring"}),
                    "row_number": 99999,
                    "source": "consent-registry",
                    "level": "city",
                }
            )
        out.extend(recs)
    return out


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[Ruleset, list[dict[str, Any]], date, dict[str, Override]]:
    """A ruleset, a population, the day to score it on, and decisions on some records."""
    as_of = draw(st.dates(date(2018, 1, 1), date(2028, 1, 1)))
    records = draw(populations(as_of))
    overrides: dict[str, Override] = {}
    for record in records:
        choice = draw(st.integers(0, 9))
        if choice == 9:
            overrides[record["record_id"]] = Override(voided=True)
        elif choice == 8:
            repaired = record["occurred_at"] + timedelta(days=draw(st.integers(0, 800)))
            overrides[record["record_id"]] = Override(repaired_on=repaired)
    return draw(rulesets()), records, as_of, overrides
