"""The attacks of the security review on a case's audit trail, each caught (issue 14, item 6):
someone with write access to the cases database deletes the chain head row and the last
entries; deletes the last entries and rewinds the head consistently; forges an entry with an old
``occurred_at``; inserts an entry under the case's correlation id. Driven through the use cases
over an in-memory database whose audit sink is the audit store, as the service runs them; the
tampering is done in SQL, as an attacker would. docs/security.md, "Audit trail integrity"."""

import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from services.cases import audit_chain, case_work, commands, operations
from services.cases.models import AuditChain, AuditEntry, AuditSignedHead, Case, metadata
from shared.audit import audit_envelope
from shared.identity import new_key_pair
from tests.unit.fakes import envelope, memory_uow, run

OFFICER = "officer:amy"
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_keys_in_the_environment(monkeypatch):
    for name in ("AUDIT_SIGNING_KEY", "AUDIT_VERIFY_KEYS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def uow():
    uow = memory_uow(
        metadata,
        "cases",
        handler="open_case_for_enquiry",
        audit_sink=operations.store_audit_entry,
    )
    yield uow
    uow.engine.dispose()


def write_key(directory, name="audit"):
    private, public = new_key_pair()
    (directory / f"{name}.pem").write_bytes(private)
    (directory / f"{name}.pub").write_bytes(public)
    return str(directory / f"{name}.pem"), str(directory / f"{name}.pub")


@pytest.fixture
def config(tmp_path):
    return {"AUDIT_SIGNING_KEY": write_key(tmp_path)[0]}


@pytest.fixture
def keys(config):
    return audit_chain.AuditKeys.from_config(config)


@pytest.fixture
def case(uow):
    """A case with four entries on its chain: the enquiry's, recorded under the correlation id
    before the case existed, then the case opening and two stage changes."""
    correlation_id = str(uuid.uuid4())
    submitted = audit_envelope(
        source="enquiry",
        actor="customer",
        action="enquiry.submitted",
        entity_type="enquiry",
        entity_id=str(uuid.uuid4()),
        correlation_id=correlation_id,
    )
    run(uow, operations.record_audit_event, submitted)
    opening = envelope(
        "enquiry.submitted",
        {
            "enquiry_id": submitted.data["entity_id"],
            "template": {"key": "housing-options-enquiry", "version": 1},
            "workflow": "prevention",
            "workflow_source": "triage",
            "answers": {"full_name": "Jo Bloggs"},
            "submitted_at": "2026-11-24T10:00:00Z",
        },
        source="enquiry",
        correlation_id=correlation_id,
    )
    opened = run(uow, operations.open_case_for_enquiry, opening)
    for stage in ("assessment", "prevention"):
        run(uow, case_work.change_stage, commands.ChangeStage(opened.reference, OFFICER, stage))
    return opened


def verify(uow, case, keys=None):
    with uow.read() as session:
        return operations.verify_timeline(session, case.reference, keys)


def entries(uow, case):
    with uow.read() as session:
        return list(
            session.scalars(
                sa.select(AuditEntry)
                .where(AuditEntry.correlation_id == case.correlation_id)
                .order_by(AuditEntry.sequence)
            )
        )


def tamper(uow, *statements):
    """SQL run straight on the database, as someone with write access would."""
    with uow.engine.begin() as connection:
        for statement in statements:
            connection.execute(statement)


def timeline_actions(uow, case):
    return [e["action"] for e in run(uow, operations.case_timeline, case.reference)]


def delete_entries_from(case, sequence):
    return sa.delete(AuditEntry).where(
        AuditEntry.correlation_id == case.correlation_id, AuditEntry.sequence >= sequence
    )


def rewind_head_row(case, entry):
    return (
        sa.update(AuditChain)
        .where(AuditChain.correlation_id == case.correlation_id)
        .values(last_sequence=entry.sequence, last_hash=entry.hash)
    )


def rewind_case_row(case, entry):
    return (
        sa.update(Case)
        .where(Case.id == case.id)
        .values(audit_count=entry.sequence, audit_head_hash=entry.hash)
    )


def forged(case, previous, **fields):
    """An entry as the attacker writes it, linked to ``previous`` as the audit store would."""
    entry = {
        "event_id": str(uuid.uuid4()),
        "sequence": previous.sequence + 1,
        "prev_hash": previous.hash,
        "case_id": case.id,
        "correlation_id": case.correlation_id,
        "source": "cases",
        "actor": OFFICER,
        "action": "case.closed",
        "entity_type": "case",
        "entity_id": case.id,
        "before": None,
        "after": {"outcome": "withdrawn"},
        "occurred_at": LONG_AGO,
        "recorded_at": LONG_AGO,
        **fields,
    }
    entry.setdefault("hash", audit_chain.link(previous.hash, entry))
    return entry


# The second record of the head, on the case row


def test_the_case_row_copies_the_head_including_entries_from_before_the_case(uow, case):
    chain = entries(uow, case)
    assert [(e.sequence, e.action) for e in chain] == [
        (1, "enquiry.submitted"),
        (2, "case.opened"),
        (3, "case.stage_changed"),
        (4, "case.stage_changed"),
    ]
    with uow.read() as session:
        row = session.get(Case, case.id)
        head = session.get(AuditChain, case.correlation_id)
    assert (row.audit_count, row.audit_head_hash) == (4, chain[-1].hash)
    assert (head.last_sequence, head.last_hash) == (4, chain[-1].hash)
    verdict = verify(uow, case)
    assert (verdict["valid"], verdict["entries"], verdict["problem"]) == (True, 4, None)
    assert verdict["head"] == verdict["case_head"] == {"sequence": 4, "hash": chain[-1].hash}


def test_without_a_key_signing_is_skipped_and_verify_says_so(uow, case):
    assert run(uow, operations.sign_chain_heads, {}) == 0
    verdict = verify(uow, case)
    assert verdict["valid"] is True
    assert (verdict["signed_head"], verdict["signing"]) == (None, "not_configured")


# (a) Deleting the head row and the last entries


def test_deleting_the_head_row_and_the_last_entries_is_caught(uow, case):
    tamper(
        uow,
        delete_entries_from(case, 3),
        sa.delete(AuditChain).where(AuditChain.correlation_id == case.correlation_id),
    )
    verdict = verify(uow, case)
    assert (verdict["valid"], verdict["entries"], verdict["first_invalid_sequence"]) == (
        False,
        2,
        3,
    )
    assert verdict["head"] is None
    assert verdict["problems"] == [
        "the chain head record is missing",
        "entries at the end of the chain were removed: the case's copy of the chain head says "
        "it ends at sequence 4, the entries end at 2",
    ]


def test_deleting_only_the_head_row_is_caught(uow, case):
    tamper(uow, sa.delete(AuditChain).where(AuditChain.correlation_id == case.correlation_id))
    verdict = verify(uow, case)
    assert verdict["valid"] is False
    assert verdict["problem"] == "the chain head record is missing"


# (b) Deleting the last entries and rewinding the head consistently


def test_rewinding_the_head_row_is_caught_by_the_case_row(uow, case):
    second = entries(uow, case)[1]
    tamper(uow, delete_entries_from(case, 3), rewind_head_row(case, second))
    verdict = verify(uow, case)
    assert (verdict["valid"], verdict["first_invalid_sequence"]) == (False, 3)
    assert verdict["problems"] == [
        "the chain head record (sequence 2) and the case's copy of it (sequence 4) disagree",
        "entries at the end of the chain were removed: the case's copy of the chain head says "
        "it ends at sequence 4, the entries end at 2",
    ]


def test_rewinding_both_records_is_caught_by_the_signed_head(uow, case, config, keys, caplog):
    assert run(uow, operations.sign_chain_heads, config) == 1
    second = entries(uow, case)[1]
    tamper(
        uow,
        delete_entries_from(case, 3),
        rewind_head_row(case, second),
        rewind_case_row(case, second),
    )
    verdict = verify(uow, case, keys)
    assert (verdict["valid"], verdict["entries"], verdict["first_invalid_sequence"]) == (
        False,
        2,
        3,
    )
    assert verdict["problem"] == (
        "entries at the end of the chain were removed: it was signed at sequence 4 and now ends "
        "at 2"
    )
    assert verdict["signed_head"]["sequence"] == 4
    assert verdict["signed_head"]["signature_valid"] is True
    # The timer does not launder the rewound chain by signing it: it says so in the log.
    with caplog.at_level(logging.WARNING, logger="services.cases.operations"):
        assert run(uow, operations.sign_chain_heads, config) == 0
    assert f"audit chain of case {case.id} not signed" in caplog.text
    assert "Jo Bloggs" not in caplog.text
    assert verify(uow, case, keys)["signed_head"]["sequence"] == 4


def test_without_a_signed_head_a_consistent_rewind_is_not_caught(uow, case):
    """The documented limit (docs/security.md): the two database records alone can both be
    rewound; only a signed head, made with a key kept out of the database, catches it."""
    second = entries(uow, case)[1]
    tamper(
        uow,
        delete_entries_from(case, 3),
        rewind_head_row(case, second),
        rewind_case_row(case, second),
    )
    assert verify(uow, case)["valid"] is True


# (c) An entry forged with an old occurred_at


def test_an_entry_with_an_old_occurred_at_is_shown_where_it_was_recorded(uow, case):
    """Through the audit store (an audit.recorded event; whether its source may say so is
    checked on receipt), an entry claiming to have happened long ago still goes at the end of
    the chain, and the timeline follows the chain, not the claimed time."""
    event = audit_envelope(
        source="cases",
        actor=OFFICER,
        action="case.note_added",
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        correlation_id=case.correlation_id,
    )
    event = replace(event, data={**event.data, "occurred_at": LONG_AGO.isoformat()})
    run(uow, operations.record_audit_event, event)
    assert timeline_actions(uow, case) == [
        "enquiry.submitted",
        "case.opened",
        "case.stage_changed",
        "case.stage_changed",
        "case.note_added",
    ]
    last = entries(uow, case)[-1]
    assert (last.sequence, last.action, last.occurred_at) == (5, "case.note_added", LONG_AGO)


def test_an_entry_inserted_with_a_made_up_hash_is_caught(uow, case):
    fourth = entries(uow, case)[-1]
    tamper(uow, sa.insert(AuditEntry).values(**forged(case, fourth, hash="f" * 64)))
    verdict = verify(uow, case)
    assert (verdict["valid"], verdict["first_invalid_sequence"]) == (False, 5)
    assert verdict["problem"] == "the entry was changed after it was written"


def test_an_entry_inserted_in_the_middle_with_an_old_time_is_caught(uow, case):
    """Making room for a backdated entry means moving the ones after it."""
    chain = entries(uow, case)
    tamper(
        uow,
        sa.update(AuditEntry)
        .where(AuditEntry.correlation_id == case.correlation_id, AuditEntry.sequence >= 2)
        .values(sequence=AuditEntry.sequence + 10),
        sa.insert(AuditEntry).values(**forged(case, chain[0])),
    )
    verdict = verify(uow, case)
    assert (verdict["valid"], verdict["first_invalid_sequence"]) == (False, 3)
    assert verdict["problem"] == "an entry is missing or out of order"


# (d) An entry inserted directly under the case's correlation id


def test_an_entry_appended_behind_the_audit_stores_back_is_caught(uow, case):
    """Linked correctly, but neither record of the head knows it."""
    fourth = entries(uow, case)[-1]
    tamper(uow, sa.insert(AuditEntry).values(**forged(case, fourth)))
    verdict = verify(uow, case)
    assert (verdict["valid"], verdict["entries"], verdict["first_invalid_sequence"]) == (
        False,
        5,
        5,
    )
    assert verdict["problem"] == (
        "entries were added after the end the chain head record records (sequence 4) without "
        "going through the audit store"
    )


def test_an_entry_appended_with_the_head_row_moved_is_caught_by_the_case_row(uow, case):
    fourth = entries(uow, case)[-1]
    entry = forged(case, fourth)
    tamper(
        uow,
        sa.insert(AuditEntry).values(**entry),
        sa.update(AuditChain)
        .where(AuditChain.correlation_id == case.correlation_id)
        .values(last_sequence=5, last_hash=entry["hash"]),
    )
    verdict = verify(uow, case)
    assert verdict["valid"] is False
    assert verdict["problems"] == [
        "the chain head record (sequence 5) and the case's copy of it (sequence 4) disagree",
        "entries were added after the end the case's copy of the chain head records (sequence 4) "
        "without going through the audit store",
    ]


def test_a_chain_rewritten_around_an_inserted_entry_is_caught_by_the_signed_head(
    uow, case, config, keys
):
    """The whole chain rewritten after an entry slipped in at 3, both head records moved to
    match: only the signed head knows what entry 3 and 4 were."""
    run(uow, operations.sign_chain_heads, config)
    chain = entries(uow, case)
    inserted = forged(case, chain[1])
    moved_3 = forged(case, _linkable(inserted), **_fields(chain[2]), sequence=4)
    moved_4 = forged(case, _linkable(moved_3), **_fields(chain[3]), sequence=5)
    tamper(
        uow,
        delete_entries_from(case, 3),
        sa.insert(AuditEntry).values(**inserted),
        sa.insert(AuditEntry).values(**moved_3),
        sa.insert(AuditEntry).values(**moved_4),
        rewind_head_row(case, _linkable(moved_4)),
        rewind_case_row(case, _linkable(moved_4)),
    )
    assert verify(uow, case)["valid"] is True  # what the database alone says
    verdict = verify(uow, case, keys)
    assert (verdict["valid"], verdict["first_invalid_sequence"]) == (False, 4)
    assert verdict["problem"] == (
        "the chain differs from its signed head: entry 4 is not the one that was signed"
    )


def _fields(entry):
    names = ("event_id", "source", "actor", "action", "entity_type", "entity_id", "before")
    return {name: getattr(entry, name) for name in (*names, "after", "occurred_at")}


class _linkable:
    """A forged entry's dict seen as a row (sequence and hash)."""

    def __init__(self, entry):
        self.sequence, self.hash = entry["sequence"], entry["hash"]


def test_an_entry_naming_the_case_from_another_chain_is_caught(uow, case):
    other = str(uuid.uuid4())
    tamper(
        uow,
        sa.insert(AuditEntry).values(
            **forged(case, _linkable({"sequence": 0, "hash": audit_chain.GENESIS}))
            | {"correlation_id": other}
        ),
    )
    verdict = verify(uow, case)
    assert verdict["valid"] is False
    assert verdict["problem"] == "1 entries name the case but are not on its chain"
    assert timeline_actions(uow, case)[-1] == "case.closed"


# Signed heads


def test_the_timer_signs_heads_that_moved_and_verify_checks_the_latest(uow, case, config, keys):
    assert run(uow, operations.sign_chain_heads, config) == 1
    assert run(uow, operations.sign_chain_heads, config) == 0  # nothing moved
    verdict = verify(uow, case, keys)
    assert (verdict["valid"], verdict["signing"]) == (True, "checked")
    signed = verdict["signed_head"]
    assert (signed["sequence"], signed["hash"], signed["signature_valid"]) == (
        4,
        entries(uow, case)[-1].hash,
        True,
    )
    assert signed["key_id"] == next(iter(keys.public_keys))
    run(uow, case_work.change_stage, commands.ChangeStage(case.reference, OFFICER, "relief"))
    # Entries after the latest signed head are expected: the chain goes on.
    assert verify(uow, case, keys)["valid"] is True
    assert run(uow, operations.sign_chain_heads, config) == 1
    assert verify(uow, case, keys)["signed_head"]["sequence"] == 5
    with uow.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditSignedHead)) == 2


@pytest.mark.parametrize(
    "change",
    [
        {"sequence": 3},
        {"hash": "0" * 64},
        {"signed_at": datetime(2030, 1, 1, tzinfo=UTC)},
        {"signature": "A" * 86},
        {"key_id": "someone-else"},
    ],
)
def test_a_tampered_signed_head_is_reported(uow, case, config, keys, change):
    run(uow, operations.sign_chain_heads, config)
    tamper(uow, sa.update(AuditSignedHead).values(**change))
    verdict = verify(uow, case, keys)
    assert verdict["valid"] is False
    assert verdict["signed_head"]["signature_valid"] is False
    assert "has no valid signature" in verdict["problem"]


def test_a_head_signed_with_a_key_that_is_not_configured_is_reported(uow, case, config, tmp_path):
    run(uow, operations.sign_chain_heads, config)
    _, other_public = write_key(tmp_path, "other")
    only_other = audit_chain.AuditKeys.from_config({"AUDIT_VERIFY_KEYS": other_public})
    verdict = verify(uow, case, only_other)
    assert verdict["valid"] is False and "has no valid signature" in verdict["problem"]


def test_after_a_rotation_the_old_public_key_still_verifies(uow, case, config, tmp_path):
    run(uow, operations.sign_chain_heads, config)
    old_public = config["AUDIT_SIGNING_KEY"].replace(".pem", ".pub")
    new_private, _ = write_key(tmp_path, "new")
    rotated = {"AUDIT_SIGNING_KEY": new_private, "AUDIT_VERIFY_KEYS": old_public}
    keys = audit_chain.AuditKeys.from_config(rotated)
    assert verify(uow, case, keys)["valid"] is True
    run(uow, case_work.change_stage, commands.ChangeStage(case.reference, OFFICER, "relief"))
    assert run(uow, operations.sign_chain_heads, rotated) == 1
    verdict = verify(uow, case, keys)
    assert verdict["valid"] is True and verdict["signed_head"]["sequence"] == 5


def test_verify_takes_the_keys_from_the_environment_by_default(uow, case, config, monkeypatch):
    run(uow, operations.sign_chain_heads, config)
    assert verify(uow, case)["signing"] == "not_configured"
    monkeypatch.setenv("AUDIT_SIGNING_KEY", config["AUDIT_SIGNING_KEY"])
    verdict = verify(uow, case)
    assert (verdict["valid"], verdict["signing"]) == (True, "checked")


def test_a_configured_key_file_that_is_missing_is_an_error_naming_the_setting(tmp_path):
    with pytest.raises(ValueError, match="AUDIT_SIGNING_KEY: key file not found"):
        audit_chain.AuditKeys.from_config({"AUDIT_SIGNING_KEY": str(tmp_path / "none.pem")})


def test_a_case_not_signed_yet_is_said_to_be(uow, case, keys):
    verdict = verify(uow, case, keys)
    assert (verdict["valid"], verdict["signing"], verdict["signed_head"]) == (
        True,
        "not_signed_yet",
        None,
    )
