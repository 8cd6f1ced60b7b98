"""One code, one redemption, under concurrency: 50 separate processes redeem the same code
against real PostgreSQL at once; exactly one succeeds. With one Idempotency-Key, all 50 get the
first answer."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import select

from guestcrm.models import Perk
from guestcrm.services.access.tokens import create_api_token
from guestcrm.services.perks.issuing import issue_for_stays
from tests.integration.perk_support import publish_offer, stay
from tests.integration.test_perks_api import ask

pytestmark = pytest.mark.integration
PROCESSES = 50


def _redeem(database_url, token, body, key, barrier, results):
    from guestcrm import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": "test", "RATELIMIT_STORAGE_URI": "memory://",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0}})
    client = app.test_client()
    barrier.wait(timeout=60)
    answer = client.post("/api/v1/perks/redeem", json=body,
                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
    results.put((answer.status_code, answer.get_json()))


def _race(database_url, token, body, keys):
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(len(keys)), context.Queue()
    workers = [context.Process(target=_redeem,
                               args=(database_url, token, body, key, barrier, results))
               for key in keys]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    return answers


@pytest.fixture
def perk_and_token(app, committed_db):
    publish_offer(committed_db, rule={"nth_stay": 1})
    done = stay(committed_db, "S1")
    (perk_id,) = issue_for_stays(committed_db, [done.id]).perk_ids
    token = create_api_token(committed_db, "engine")
    perk = committed_db.get(Perk, perk_id)
    body = ask(perk, booking_ref="BE-1")
    committed_db.commit()
    committed_db.remove()
    return app.config["SQLALCHEMY_DATABASE_URI"], token, body, perk_id


def test_fifty_processes_redeem_one_code_and_exactly_one_succeeds(perk_and_token,
                                                                    committed_db):
    url, token, body, perk_id = perk_and_token
    answers = _race(url, token, body, [f"key-{i}" for i in range(PROCESSES)])
    codes = sorted(status for status, _ in answers)
    assert codes == [200] + [409] * (PROCESSES - 1), codes
    assert all(answer["reason"] == "already_redeemed" for status, answer in answers
               if status == 409)
    assert committed_db.scalar(select(Perk.status).where(Perk.id == perk_id)) == "redeemed"


def test_fifty_replays_of_one_idempotency_key_all_get_the_first_answer(perk_and_token):
    url, token, body, _ = perk_and_token
    answers = _race(url, token, body, ["same-key"] * PROCESSES)
    assert {status for status, _ in answers} == {200}
    assert len({str(answer) for _, answer in answers}) == 1
