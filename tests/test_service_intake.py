"""One posted record, one transaction: the record, its subject's rescore, the names and the audit
entries land together or not at all, and what the service keeps between posts stays true."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from credence.actions import records
from credence.identifiers import generate_uscc
from tests.conftest import ScoredCity
from tests.test_service_records import SOURCE, _row
from tests.test_service_support import Served, copy_city, serve

COUNTS = {
    "batches": "SELECT COUNT(*) FROM batches",
    "inline": "SELECT COUNT(*) FROM inline_records",
    "audit": "SELECT COUNT(*) FROM audit_log",
    "subjects": "SELECT COUNT(*) FROM subjects",
    "runs": "SELECT COUNT(*) FROM score_runs",
    "lines": "SELECT COUNT(*) FROM score_lines",
    "names": "SELECT COUNT(*) FROM subject_names",
}


@pytest.fixture
def served(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("intake") / "ws")
    with serve(root) as s:
        yield s


def _counts(served: Served) -> dict[str, int]:
    return {name: int(served.one(sql)) for name, sql in COUNTS.items()}


def _post(served: Served, row: dict[str, Any]) -> Any:
    return served.client.post(
        "/operator/records", headers=served.key("operator"), json={"source": SOURCE, "row": row}
    )


def _names_current(served: Served) -> bool:
    return bool(
        served.one(
            "SELECT (SELECT batches FROM subject_names_state) = (SELECT COUNT(*) FROM batches) "
            "AND (SELECT last_commit FROM subject_names_state) = "
            "(SELECT max(committed_at) FROM batches)"
        )
    )


def test_a_failed_rescore_leaves_no_record_no_entry_and_no_run(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = generate_uscc(random.Random(41))
    ops = served.key("operator")
    before = _counts(served)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the rescore broke half way")

    monkeypatch.setattr(records, "rescore_in_transaction", broken)
    with pytest.raises(RuntimeError, match="half way"):
        served.client.post(
            "/operator/records", headers=ops, json={"source": SOURCE, "row": _row(code, 7001)}
        )
    assert _counts(served) == before
    assert served.one("SELECT COUNT(*) FROM subjects WHERE subject_code = ?", [code]) == 0
    monkeypatch.undo()
    again = _post(served, _row(code, 7001))  # the same row: not taken for a repeat
    assert again.status_code == 201, again.text
    assert again.json()["loaded"] == 1 and again.json()["rescored_run"]
    after = _counts(served)
    assert after["batches"] == before["batches"] + 1
    assert after["inline"] == before["inline"] + 1
    assert after["audit"] == before["audit"] + 2  # record.added, subjects.rescored
    assert after["runs"] == before["runs"] + 1


def test_a_posted_name_is_found_and_a_nameless_post_keeps_the_names_current(
    served: Served,
) -> None:
    code = generate_uscc(random.Random(42))
    named = {**_row(code, 7101), "party_name": "晨光新材料有限公司"}
    assert _post(served, named).status_code == 201
    assert served.client.get(f"/organisations/{code}").json()["name"] == "晨光新材料有限公司"
    assert _names_current(served)
    nameless = {k: v for k, v in _row(code, 7102).items() if k != "party_name"}
    names_before = served.query("SELECT * FROM subject_names ORDER BY ALL")
    assert _post(served, nameless).status_code == 201
    assert served.query("SELECT * FROM subject_names ORDER BY ALL") == names_before
    assert _names_current(served)
    renamed = {**_row(code, 7103), "party_name": "晨光新材料股份有限公司"}
    assert _post(served, renamed).status_code == 201
    assert served.client.get(f"/organisations/{code}").json()["name"] == "晨光新材料股份有限公司"


def test_each_run_of_a_post_counts_what_a_full_count_gives(served: Served) -> None:
    org = served.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'organization' "
        "ORDER BY subject_code LIMIT 1"
    )
    for number in (7201, 7202):
        posted = _post(served, _row(org, number, kind="警告"))
        assert posted.status_code == 201, posted.text
        run = posted.json()["rescored_run"]
        subjects, scored, lines = served.query(
            "SELECT subjects, scored, lines FROM score_runs WHERE run_id = ?", [run]
        )[0]
        assert scored == served.one("SELECT COUNT(*) FROM scores WHERE scored")
        assert subjects == served.one("SELECT COUNT(*) FROM scores")
        assert lines == served.one("SELECT COUNT(*) FROM score_lines")


def test_the_standing_answered_is_the_one_then_read(served: Served) -> None:
    org = served.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'organization' "
        "ORDER BY subject_code DESC LIMIT 1"
    )
    posted = _post(served, _row(org, 7301))
    assert posted.status_code == 201, posted.text
    standing = posted.json()["standing"]
    read = served.client.get(f"/organisations/{org}").json()
    assert standing["score"] == read["score"] and standing["grade"] == read["grade"]
    assert standing["name"] == read["name"]
    published = sorted({li["list_name"] for li in read["listings"] if li["state"] == "published"})
    assert standing["lists"] == published


def test_a_post_on_a_later_service_day_is_not_folded_into_the_earlier_run(
    served: Served,
) -> None:
    org = served.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'organization' "
        "ORDER BY subject_code LIMIT 1 OFFSET 3"
    )
    first = _post(served, _row(org, 7401))
    assert first.status_code == 201, first.text
    served.clock.day = served.clock.day + timedelta(days=1)
    later = _post(served, _row(org, 7402))
    assert later.status_code == 201, later.text
    run = later.json()["rescored_run"]
    as_of, engine = served.query("SELECT as_of, engine FROM score_runs WHERE run_id = ?", [run])[0]
    assert as_of == served.clock.day and engine != "incremental"  # everyone, on the new day
    assert served.one("SELECT COUNT(*) FROM scores WHERE as_of <> ?", [served.clock.day]) == 0


def test_posts_rescored_in_place_equal_a_full_rescore(served: Served) -> None:
    """Several posts (two on one firm, a person's, a new firm's), then everyone rescored: the
    full run's results digest is the one the last in-place run folded."""
    org, other = (
        code
        for (code,) in served.query(
            "SELECT subject_code FROM scores WHERE subject_kind = 'organization' "
            "ORDER BY subject_code LIMIT 2 OFFSET 7"
        )
    )
    for row in (_row(org, 7501), _row(org, 7502, kind="警告"), _row(other, 7503),
                _row(generate_uscc(random.Random(43)), 7504)):  # fmt: skip
        posted = _post(served, row)
        assert posted.status_code == 201, posted.text
    folded = served.one(
        "SELECT results_digest FROM score_runs WHERE run_id = ?", [posted.json()["rescored_run"]]
    )
    full = served.client.post("/operator/rescore", headers=served.key("operator"))
    assert full.status_code == 200, full.text
    digest = served.one(
        "SELECT results_digest FROM score_runs ORDER BY finished_at DESC LIMIT 1"
    )
    assert digest == folded


def test_the_service_reads_id_fingerprints_at_start_and_a_post_reads_none(
    scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from credence.store import record_locator

    calls: list[str] = []
    original = record_locator._read_fingerprints

    def counted(path: str) -> Any:
        calls.append(path)
        return original(path)

    monkeypatch.setattr(record_locator, "_read_fingerprints", counted)
    root = copy_city(scored_city, tmp_path_factory.mktemp("warm") / "ws")
    with serve(root) as served:
        served.client.app.state.warming.result(timeout=60)  # type: ignore[attr-defined]
        indexes = served.query(
            "SELECT path FROM batches WHERE path <> 'inline' ORDER BY committed_at, batch_id"
        )
        assert len(calls) == len(indexes) > 0
        posted = _post(served, _row(generate_uscc(random.Random(43)), 7301))
        assert posted.status_code == 201, posted.text
        assert len(calls) == len(indexes)  # nothing read again for the new id
