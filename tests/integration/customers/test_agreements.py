"""What cases ask of customers: consents, clause overrides, and policy notices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from abusedesk.bootstrap import Container
from abusedesk.domain.policy import Action
from tests.support.policies import small_policy_text


def test_a_scanning_consent_covers_its_scope_within_its_window(container: Container) -> None:
    container.customers.import_sample()
    lantern = container.customers.get("C-1002")
    inside = datetime(2026, 3, 1, tzinfo=UTC)
    consent = container.customers.consent_for(lantern.id, "scanning", "198.51.100.200", inside)
    assert consent is not None and consent.document == "AUTH-2026-004"
    assert container.customers.consent_for(lantern.id, "scanning", "198.51.100.200",
                                           datetime(2026, 7, 1, tzinfo=UTC)) is None
    assert container.customers.consent_for(lantern.id, "scanning", "198.51.100.7", inside) is None
    assert container.customers.consent_for(lantern.id, "vulnerability-testing",
                                           "198.51.100.200", inside) is None


def test_clause_overrides_come_from_the_customer_then_its_partner(container: Container) -> None:
    container.customers.import_sample()
    policy = container.policies.in_force().stored.policy
    lantern = container.customers.get("C-1002")
    dos = container.customers.clause_for(lantern.id, policy.clause("conduct.3c"))
    assert dos.deadline.duration == timedelta(hours=24)
    assert dos.ladder == (Action.WARN, Action.BLOCK_HOST, Action.SUSPEND)
    assert dos.overridden_by == "C-1002"
    florist = container.customers.get("P-2001-01")
    spam = container.customers.clause_for(florist.id, policy.clause("conduct.5a"))
    assert spam.deadline.duration == timedelta(hours=48) and spam.overridden_by == "P-2001"
    assert spam.ladder == policy.clause("conduct.5a").ladder  # only the deadline is overridden
    plain = container.customers.clause_for(florist.id, policy.clause("conduct.3e"))
    assert plain.overridden_by is None and plain.deadline == policy.clause("conduct.3e").deadline


def test_publishing_records_a_notice_to_every_customer(container: Container) -> None:
    container.customers.import_sample()
    quayside = container.customers.details("C-1004")
    assert quayside.binding.stored.version == "2.1"
    assert quayside.binding.noticed_at == container.clock.now()  # joined under 2.1
    container.policies.load(small_policy_text("3.0", key="reference-aup"), source="v3.yaml")
    published = container.policies.publish("reference-aup:3.0", notice_date=date(2026, 3, 5))
    assert published.effective_at == datetime(2026, 4, 4, tzinfo=UTC)
    for ref in ("C-1001", "P-2001-02"):
        details = container.customers.details(ref)
        assert details.binding.stored.version == "2.1"
        assert [(p.version, at) for p, at in details.binding.pending] == [
            ("3.0", datetime(2026, 3, 5, tzinfo=UTC))]
        later = container.customers.details(ref, at=datetime(2026, 4, 4, tzinfo=UTC))
        assert later.binding.stored.version == "3.0"
        assert later.binding.noticed_at == datetime(2026, 3, 5, tzinfo=UTC)
