"""The audit hash chain: canonical entries, and every kind of tampering detected."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from abusedesk.domain.audit import (
    GENESIS,
    AuditEntry,
    AuditRecord,
    ProblemKind,
    canonical_json,
    entry_body,
    seal,
    verify_chain,
)

T0 = datetime(2026, 3, 2, 9, 30, 0, 123456, tzinfo=UTC)


def chain(length: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    seq, digest = 0, GENESIS
    for n in range(length):
        entry = seal(AuditRecord(
            at=T0 + timedelta(minutes=n), actor="analyst.ann" if n % 2 else "system",
            action="case.transition", subject_type="case", subject_id=str(n % 3 + 1),
            reason=f"step {n} — naïve résumé", data={"from": "new", "to": "notified", "n": n}),
            prev_seq=seq, prev_hash=digest)
        entries.append(entry)
        seq, digest = entry.seq, entry.hash
    return entries


def test_the_hash_is_sha256_over_previous_hash_and_canonical_entry() -> None:
    first = chain(1)[0]
    body = entry_body(seq=1, at=first.at, actor=first.actor, action=first.action,
                      subject_type=first.subject_type, subject_id=first.subject_id,
                      reason=first.reason, data_json=first.data_json)
    assert first.prev_hash == GENESIS
    assert first.hash == hashlib.sha256(GENESIS.encode() + body).hexdigest()
    assert b'"at":"2026-03-02T09:30:00.123456+00:00"' in body


def test_canonical_json_ignores_key_order_and_keeps_text_exact() -> None:
    assert canonical_json({"b": 1, "a": [1, 2]}) == canonical_json({"a": [1, 2], "b": 1})
    assert canonical_json({"x": "é"}) == '{"x":"é"}'
    assert canonical_json({"amount": Decimal("12.50")}) == '{"amount":"12.50"}'
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})
    with pytest.raises(TypeError):
        canonical_json({"x": object()})


def test_an_untouched_chain_verifies() -> None:
    entries = chain(50)
    result = verify_chain(entries, head=(50, entries[-1].hash))
    assert result.ok and result.entries == 50 and result.last_seq == 50


def test_an_edited_entry_is_named() -> None:
    entries = chain(10)
    entries[4] = replace(entries[4], actor="someone.else")
    result = verify_chain(entries, head=(10, entries[-1].hash))
    assert [(p.kind, p.seq) for p in result.problems] == [(ProblemKind.EDITED, 5)]


def test_an_edited_entry_whose_hash_was_recomputed_breaks_the_next_link() -> None:
    entries = chain(10)
    forged = replace(entries[4], data_json='{"from":"new","to":"closed"}')
    body = entry_body(seq=5, at=forged.at, actor=forged.actor, action=forged.action,
                      subject_type=forged.subject_type, subject_id=forged.subject_id,
                      reason=forged.reason, data_json=forged.data_json)
    entries[4] = replace(forged, hash=hashlib.sha256(forged.prev_hash.encode() + body).hexdigest())
    result = verify_chain(entries, head=(10, entries[-1].hash))
    assert [(p.kind, p.seq) for p in result.problems] == [(ProblemKind.RELINKED, 6)]


def test_a_deleted_entry_leaves_a_gap_and_a_broken_link() -> None:
    entries = chain(10)
    del entries[6]
    kinds = {(p.kind, p.seq) for p in verify_chain(entries, head=(10, entries[-1].hash)).problems}
    assert kinds == {(ProblemKind.MISSING, 8), (ProblemKind.RELINKED, 8)}


def test_deleting_the_first_entries_is_detected() -> None:
    entries = chain(5)[2:]
    kinds = {p.kind for p in verify_chain(entries, head=(5, entries[-1].hash)).problems}
    assert kinds == {ProblemKind.MISSING, ProblemKind.RELINKED}


def test_cutting_the_tail_is_caught_by_the_head() -> None:
    entries = chain(10)
    head = (10, entries[-1].hash)
    result = verify_chain(entries[:7], head=head)
    assert [p.kind for p in result.problems] == [ProblemKind.HEAD]


def test_a_rewritten_tail_with_a_rewritten_head_is_caught_by_a_published_head() -> None:
    entries = chain(10)
    published = (8, entries[7].hash)
    # an attacker cuts from entry 6 and appends a new history, head and all
    rewritten = entries[:5]
    seq, digest = 5, entries[4].hash
    for n in range(5):
        entry = seal(AuditRecord(T0, "intruder", "case.transition", "case", "1"),
                     prev_seq=seq, prev_hash=digest)
        rewritten.append(entry)
        seq, digest = entry.seq, entry.hash
    assert verify_chain(rewritten, head=(seq, digest)).ok
    result = verify_chain(rewritten, head=(seq, digest), expected_head=published)
    assert [p.kind for p in result.problems] == [ProblemKind.HEAD]
    assert verify_chain(entries, head=(10, entries[-1].hash), expected_head=published).ok
    assert verify_chain(entries, expected_head=(None, entries[3].hash)).ok


def test_an_empty_log_verifies_against_the_genesis_head() -> None:
    assert verify_chain([], head=(0, GENESIS)).ok
    assert not verify_chain([], head=(3, "a" * 64)).ok
