"""``serve --demo`` run twice on one database: one usable portal key, the newest."""

from __future__ import annotations

from abusedesk.bootstrap import Container
from abusedesk.interfaces.api.wiring import access_service
from abusedesk.services.demo import DEMO_PARTNER_REF, DemoService


def test_a_rerun_revokes_the_key_the_previous_run_printed(container: Container) -> None:
    access = access_service(container)
    demo = DemoService(access, container.customers, container.intake, complaints=list)
    first = demo.run()
    assert first.portal_key and not first.problems
    old_session = access.sign_in_portal(first.portal_key, client="test").cookie
    # A key somebody made by hand for the same partner is not the demo's to revoke.
    partner = container.customers.get(DEMO_PARTNER_REF)
    own = access.create_token("reseller's own key", created_by="admin", customer_id=partner.id)

    second = demo.run()
    assert second.portal_key and second.portal_key != first.portal_key
    assert access.token_principal(first.portal_key) is None
    assert access.session_principal(old_session) is None
    assert access.token_principal(second.portal_key) is not None
    assert access.token_principal(own.secret) is not None
    usable = [t for t in access.tokens() if t.name == "demo portal key" and t.revoked_at is None]
    assert len(usable) == 1
