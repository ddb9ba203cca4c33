"""Written consent: which consents can cover which events.

A clause that allows an activity with the provider's written consent lists the consent
kinds (``consent: [scanning]`` in the policy file). Some kinds are narrower than the clause
they appear in: clause 3c of the reference policy forbids both denial of service and
scanning, and a consent to scan never excuses a flood. ``COVERED_EVENT_TYPES`` says which
report types each well-known kind can excuse; a kind not listed there (a provider's own)
covers every event of its clause.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from abusedesk.domain.customers import Consent
from abusedesk.domain.policy import Clause

#: The XARF v4 pairs (``category/type``) and RSIT types (``rsit:type``) a consent kind
#: can excuse. Scanning consent covers probing and information gathering; a consent to
#: test vulnerabilities covers intrusive tests as well.
COVERED_EVENT_TYPES: Mapping[str, frozenset[str]] = {
    "scanning": frozenset({
        "connection/port_scan", "connection/reconnaissance", "connection/vulnerability_scan",
        "rsit:scanner", "rsit:ids-alert",
    }),
    "vulnerability-testing": frozenset({
        "connection/vulnerability_scan", "connection/port_scan", "connection/reconnaissance",
        "connection/sql_injection", "connection/login_attack",
        "rsit:scanner", "rsit:exploit", "rsit:brute-force", "rsit:ids-alert",
    }),
}


def consent_kinds_for(clause: Clause, *, xarf_pair: str,
                      rsit_type: str | None = None) -> tuple[str, ...]:
    """The consent kinds of ``clause`` that could excuse an event of this type, in clause order."""
    kinds = []
    for kind in clause.consent_kinds:
        covered = COVERED_EVENT_TYPES.get(kind)
        if covered is None or xarf_pair in covered or (
                rsit_type is not None and f"rsit:{rsit_type}" in covered):
            kinds.append(kind)
    return tuple(kinds)


def covering_consent(consents: Iterable[Consent], *, kinds: Sequence[str],
                     resources: Sequence[str], at: datetime) -> Consent | None:
    """The first consent of one of ``kinds`` valid at ``at`` whose scope covers a resource.

    ``resources`` are the offending resource and, where the report names it, the target
    of the activity: a consent may name either the customer's own scanning hosts or the
    networks it was engaged to test.
    """
    if not kinds:
        return None
    for consent in consents:
        if consent.kind in kinds and consent.is_valid_at(at) and any(
                consent.covers(resource) for resource in resources if resource):
            return consent
    return None


def describe_consent(consent: Consent) -> str:
    """One line for the case record and the notice: kind, scope, window, grantor."""
    end = f"{consent.valid_until:%Y-%m-%d %H:%M}" if consent.valid_until else "open-ended"
    document = f" ({consent.document})" if consent.document else ""
    return (f"written consent ({consent.kind}) for {', '.join(consent.scope)}, "
            f"{consent.valid_from:%Y-%m-%d %H:%M} to {end} UTC, granted by "
            f"{consent.granted_by}{document}")
