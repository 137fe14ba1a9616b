"""Measures for a subject and a purpose: "may this firm bid for this tender?"

The purpose picks the effects that answer it (``PURPOSE_EFFECTS``); each is combined over the
measures in force: a permission holds unless some measure takes it away, a rate is the one the
inspection planner would use (lists first, then grade, then the base rate).
"""

from __future__ import annotations

from datetime import date

import duckdb

from credence.inspection import DEFAULT_BASE_RATE, inspection_rate
from credence.runs.results import RunResults
from credence.service.purposes import PURPOSE_EFFECTS
from credence.service.queries.organisations import measures_of
from credence.service.schemas import EffectAnswer, MeasureOut, MeasuresAnswer, Scalar

_PHRASES = {
    "may_bid_public_tenders": ("may bid for public tenders", "may not bid for public tenders"),
    "fast_track_approval": ("gets fast-track approval", "gets no fast-track approval"),
}


def _answer(effect: str, measures: list[MeasureOut]) -> EffectAnswer:
    setting = [m for m in measures if effect in m.effect]
    value: Scalar
    if effect == "inspection_rate":
        value = inspection_rate(((m.via, dict(m.effect)) for m in setting), DEFAULT_BASE_RATE)
        setting = [m for m in setting if m.effect[effect] == value]
    elif effect.startswith("may_"):  # a permission: it holds unless a measure takes it away
        denied = [m for m in setting if m.effect[effect] is False]
        value, setting = not denied, denied or setting
    elif all(isinstance(m.effect[effect], bool) for m in setting):  # a benefit some measure gives
        setting = [m for m in setting if m.effect[effect] is True]
        value = bool(setting)
    else:
        value = setting[0].effect[effect]
    return EffectAnswer(
        effect=effect,
        value=value,
        measures=sorted({m.measure_id for m in setting}),
        legal_basis=sorted({m.legal_basis for m in setting}),
    )


def _summary(answers: list[EffectAnswer]) -> str:
    parts = []
    for a in answers:
        if a.effect in _PHRASES:
            yes, no = _PHRASES[a.effect]
            text = yes if a.value else no
        elif a.effect == "inspection_rate":
            text = f"inspection rate {a.value}"
        else:
            text = f"{a.effect} = {a.value}"
        why = f" ({', '.join(a.measures)}: {'; '.join(a.legal_basis)})" if a.measures else ""
        parts.append(text + why)
    return "; ".join(parts) or "no measure applies"


def measures_answer(
    con: duckdb.DuckDBPyConnection,
    run: RunResults,
    kind: str,
    code: str,
    shown: str,
    purpose: str,
    as_of: date,
) -> MeasuresAnswer:
    """The measures in force on a subject and what they answer for ``purpose``."""
    measures = measures_of(con, run, kind, code)
    grade_row = con.execute(
        f"SELECT grade FROM {run.table('scores', (kind, code))} "
        "WHERE subject_kind = ? AND subject_code = ?",
        [kind, code],
    ).fetchone()
    effects = PURPOSE_EFFECTS.get(purpose) or tuple(
        sorted({name for m in measures for name in m.effect})
    )
    answers = [_answer(effect, measures) for effect in effects]
    return MeasuresAnswer(
        subject_kind=kind,
        subject_code=shown,
        purpose=purpose,
        as_of=as_of,
        grade=None if grade_row is None else grade_row[0],
        measures=measures,
        answers=answers,
        summary=_summary(answers),
    )
