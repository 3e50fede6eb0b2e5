"""The gateway's own database on the suite's database (SQLite, or PostgreSQL with
TEST_POSTGRES_URL): sessions, single-use links under two replicas racing, customers' enquiries
and rate counts."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from services.gateway import repository
from services.gateway.store import GatewayStore
from shared.clock import utcnow

pytestmark = pytest.mark.integration


@pytest.fixture
def store(make_database_url):
    gateway = GatewayStore(make_database_url("gateway"))
    gateway.migrate()
    gateway.migrate()  # a second replica starting finds nothing to do
    yield gateway
    gateway.close()


def test_sessions_slide_to_their_idle_limit_and_never_past_their_longest_life(store):
    now = utcnow()
    idle, longest = timedelta(minutes=30), timedelta(hours=8)
    principal = {"kind": "staff", "subject": "officer:1", "roles": ["caseworker"], "team": "t"}
    session_id, csrf = store.transaction(repository.create_session, principal, now, idle, longest)
    seen = store.transaction(
        repository.touch_session, session_id, now + timedelta(minutes=20), idle, longest
    )
    assert seen.principal == principal and seen.csrf_token == csrf
    assert seen.expires_at == now + timedelta(minutes=50)
    late = now + timedelta(hours=7, minutes=50)
    for step in range(1, 17):  # kept busy all day
        store.transaction(
            repository.touch_session, session_id, now + timedelta(minutes=29 * step), idle, longest
        )
    last = store.transaction(repository.touch_session, session_id, late, idle, longest)
    assert last.expires_at == now + longest
    assert (
        store.transaction(repository.touch_session, session_id, now + longest, idle, longest)
        is None
    )
    assert store.transaction(repository.touch_session, "unknown", now, idle, longest) is None
    other, _ = store.transaction(repository.create_session, principal, now, idle, longest)
    store.transaction(repository.end_session, other)
    assert store.transaction(repository.touch_session, other, now, idle, longest) is None


def test_a_sign_in_link_signs_in_once_even_when_two_replicas_race(store):
    now = utcnow()
    token = store.transaction(
        repository.create_sign_in_link, "customer:x", now, timedelta(minutes=15)
    )
    results = []
    barrier = threading.Barrier(4)

    def redeem():
        barrier.wait()
        results.append(store.transaction(repository.redeem_sign_in_link, token, now))

    threads = [threading.Thread(target=redeem) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["customer:x", "used", "used", "used"]
    late = store.transaction(
        repository.create_sign_in_link, "customer:x", now, timedelta(minutes=15)
    )
    assert (
        store.transaction(repository.redeem_sign_in_link, late, now + timedelta(minutes=16))
        == "expired"
    )
    assert store.transaction(repository.redeem_sign_in_link, "nothing", now) == "unknown"


def test_customers_enquiries_and_rate_counts(store):
    now = utcnow()
    store.transaction(repository.record_customer_enquiry, "customer:a", "e1", now)
    store.transaction(
        repository.record_customer_enquiry, "customer:a", "e2", now + timedelta(seconds=1)
    )
    store.transaction(repository.record_customer_enquiry, "customer:a", "e1", now, "case-1")
    store.transaction(repository.record_customer_enquiry, "customer:b", "e3", now)
    assert store.transaction(repository.customer_enquiries, "customer:a") == [
        ("e2", None),
        ("e1", "case-1"),
    ]
    counts = [store.transaction(repository.count_request, "k", 60, now)[0] for _ in range(3)]
    assert counts == [1, 2, 3]
    _, retry_after = store.transaction(repository.count_request, "k", 60, now)
    assert 0 < retry_after <= 60
    store.transaction(repository.purge_expired, now + timedelta(minutes=5), 60)
    assert store.transaction(repository.count_request, "k", 60, now + timedelta(minutes=5))[0] == 1
