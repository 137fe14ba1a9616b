"""The write path under ordinary traffic: fifty anonymous readers and one operator posting records
for a bounded time against the service on a real socket. Every answer is what the route
documents, and every posted record is in the workspace after.

Before its functions were made once per database, twenty concurrent reads were enough to make
every later post answer a plain-text 500 (a new cursor registered the code check again).
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn

from credence.service.keys import create_key
from credence.web import create_app
from tests.conftest import CITY_DAY, ScoredCity
from tests.test_service_support import copy_city

SOURCE = "donghu-market-regulator"
READERS = 50
SECONDS = 8.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _row(code: str, number: int) -> dict[str, Any]:
    day = CITY_DAY - timedelta(days=30 + number % 200)
    return {
        "decision_no": f"东市监罚〔2026〕soak{number}号", "credit_code": code,
        "party_name": "测试商贸有限公司", "reg_address": "澜城市东湖区解放路1号",
        "penalty_type": "警告", "decision_date": day.strftime("%Y/%m/%d"), "fine_cny": 500,
        "data_category": "admin_penalty",
    }  # fmt: skip


@pytest.fixture
def live(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("soak") / "ws")
    app = create_app(root, today=CITY_DAY)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", backlog=256)
    )
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield app, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        serving.join()


@pytest.mark.slow
def test_fifty_readers_and_a_writer_see_no_error_and_lose_no_record(live: Any) -> None:
    app, url = live
    service = app.state.service
    with service.db.write() as con:
        key = {"X-API-Key": create_key(con, "operator", None).secret}
    with service.db.read() as con:
        orgs = [
            code
            for (code,) in con.execute(
                "SELECT subject_code FROM subjects WHERE subject_kind = 'organization' "
                "ORDER BY subject_code LIMIT 200"
            ).fetchall()
        ]
    stop = threading.Event()
    answers: Counter[str] = Counter()
    problems: list[str] = []
    lock = threading.Lock()

    def read(worker: int) -> None:
        paths = [
            f"/organisations/{orgs[(worker * 7 + i) % len(orgs)]}/measures" for i in range(40)
        ] + [f"/organisations/{orgs[worker % len(orgs)]}", "/lists/black"]
        with httpx.Client(base_url=url, timeout=60) as client:
            i = 0
            while not stop.is_set():
                path = paths[i % len(paths)]
                i += 1
                got = client.get(path)
                with lock:
                    answers[f"GET {got.status_code}"] += 1
                    if got.status_code != 200:
                        problems.append(f"GET {path}: {got.status_code} {got.text[:200]}")

    posted: list[str] = []

    def write() -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            number = 0
            while not stop.is_set():
                row = _row(orgs[number % len(orgs)], number)
                number += 1
                got = client.post(
                    "/operator/records", headers=key, json={"source": SOURCE, "row": row}
                )
                with lock:
                    answers[f"POST {got.status_code}"] += 1
                    if got.status_code == 201 and got.json()["loaded"] == 1:
                        posted.append(got.json()["batch_id"])
                    else:
                        problems.append(f"POST: {got.status_code} {got.text[:200]}")

    threads = [threading.Thread(target=read, args=(w,)) for w in range(READERS)]
    threads.append(threading.Thread(target=write))
    for thread in threads:
        thread.start()
    time.sleep(SECONDS)
    deadline = time.monotonic() + 60  # on a loaded machine the writer may need longer for five
    while len(posted) < 5 and not problems and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join()

    assert problems == [], f"{len(problems)} failed answers of {answers}: {problems[:5]}"
    assert answers["GET 200"] > READERS and len(posted) >= 5, answers
    with service.db.read() as con:
        held = con.execute(
            "SELECT count(DISTINCT batch_id) FROM records WHERE batch_id IN "
            "(SELECT unnest(?::VARCHAR[]))",
            [posted],
        ).fetchone()
    assert held is not None and held[0] == len(posted)


def test_an_unexpected_error_answers_the_documented_body_with_an_id_in_the_log(
    live: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app, url = live

    @app.get("/__boom")
    def boom() -> None:
        raise RuntimeError("a fault no handler knows")

    with caplog.at_level("ERROR", logger="credence.service"):
        got = httpx.get(f"{url}/__boom", timeout=30)
    assert got.status_code == 500
    body = got.json()
    assert body["error"] == "internal_error" and set(body) == {"error", "message", "details"}
    error_id = body["details"]["error_id"]
    assert error_id in body["message"] and "RuntimeError" not in got.text
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None
