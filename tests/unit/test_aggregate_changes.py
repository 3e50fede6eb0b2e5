"""The unit of work collects what aggregates record: in the order it happened, interleaved with
what a use case emits itself, also from an aggregate nothing else refers to any more, and never
from a transaction that rolled back."""

from __future__ import annotations

import gc

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.aggregate import Aggregate, Change
from shared.db import add_infrastructure_tables
from shared.envelope import Envelope
from tests.unit.fakes import FakeDispatch, memory_uow


class Base(DeclarativeBase):
    pass


class Counter(Base, Aggregate):
    __tablename__ = "counters"

    id: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    value: Mapped[int]

    def bump(self, actor: str) -> None:
        before = {"value": self.value}
        self.value += 1
        event = Envelope(
            type="counter.bumped",
            version=1,
            source="test",
            correlation_id=self.id,
            data={"id": self.id, "value": self.value},
        )
        self.record_change(
            Change(
                actor=actor,
                entity_type="counter",
                entity_id=self.id,
                case_id=None,
                correlation_id=self.id,
                before=before,
                after={"value": self.value},
                event=event,
            )
        )


add_infrastructure_tables(Base.metadata)


def _envelope(event_type: str) -> Envelope:
    return Envelope(type=event_type, version=1, source="test", correlation_id="x", data={})


@pytest.fixture
def uow():
    dispatch = FakeDispatch()
    unit = memory_uow(
        Base.metadata,
        "test",
        seed=lambda session: session.add_all([Counter(id="a", value=0), Counter(id="b", value=0)]),
        dispatch=dispatch,
    )
    yield unit, dispatch
    unit.engine.dispose()


def test_changes_and_emits_are_announced_in_the_order_they_happened(uow):
    unit, dispatch = uow
    with unit.transaction() as tx:
        a = tx.session.get(Counter, "a")
        a.bump("officer:1")
        tx.emit(_envelope("between"))
        tx.session.get(Counter, "b").bump("officer:2")
        a.bump("officer:1")
    published = [(t, p["data"].get("value", p["data"].get("actor"))) for t, p in dispatch.published]
    assert published == [
        ("counter.bumped", 1),
        ("audit.recorded", "officer:1"),
        ("between", None),
        ("counter.bumped", 1),
        ("audit.recorded", "officer:2"),
        # The second change of one aggregate announces the state it left, not an earlier one.
        ("counter.bumped", 2),
        ("audit.recorded", "officer:1"),
    ]
    assert dispatch.data_of("audit.recorded")[0]["before"] == {"value": 0}


def test_an_aggregate_nothing_refers_to_any_more_is_still_collected(uow):
    unit, dispatch = uow
    with unit.transaction() as tx:
        for counter_id in ("a", "b"):
            # Recorded, then the only reference dropped: the session's identity map alone would
            # hold it weakly once it is flushed and unchanged.
            tx.session.get(Counter, counter_id).bump("officer:1")
            tx.session.flush()
        gc.collect()
    assert dispatch.types() == ["counter.bumped", "counter.bumped"]


def test_nothing_recorded_in_a_rolled_back_transaction_is_announced(uow):
    unit, dispatch = uow
    with pytest.raises(RuntimeError), unit.transaction() as tx:
        tx.session.get(Counter, "a").bump("officer:1")
        raise RuntimeError("the use case failed")
    with unit.transaction() as tx:
        counter = tx.session.get(Counter, "a")
        assert counter.value == 0 and counter.take_changes() == []
    assert dispatch.published == []
