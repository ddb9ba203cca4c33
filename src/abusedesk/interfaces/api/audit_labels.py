"""What an audit-log entry of a case says, in words for people (the timeline's ``label``).

The audit log names its entries with stable codes (``case.open``, ``notice.queue``,
``enforcement.request``); the API keeps those codes as the timeline's ``what`` for
programs, and adds this label for people. An unknown code is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Code -> phrase; ``{action}`` and ``{kind}`` are filled from the entry's data.
PHRASES: Mapping[str, str] = {
    "case.open": "case opened",
    "case.pause": "deadline paused",
    "case.resume": "deadline resumed",
    "case.remind": "reminder due",
    "case.escalate": "escalated to {action}",
    "case.attention": "needs attention",
    "case.charge": "charge recorded",
    "case.ladder-exhausted": "enforcement ladder exhausted",
    "case.legal-referral": "legal referral recorded",
    "case.reveal": "restricted content shown",
    "case.acknowledge": "customer acknowledged",
    "case.remedy": "customer reported the remedy",
    "enforcement.request": "{action} requested",
    "enforcement.approve": "{action} approved",
    "enforcement.execute": "{action} run",
    "enforcement.cancel": "action cancelled",
    "enforcement.lift": "{action} lifted",
    "enforcement.lift-attempt": "lifting attempted",
    "notice.queue": "{kind} queued",
    "notice.sent": "{kind} sent",
    "notice.suppressed": "{kind} not sent",
}


def audit_label(action: str, data: Mapping[str, Any]) -> str:
    """The phrase for audit code ``action`` with ``data`` of the entry; a transition reads
    ``notified → acknowledged``."""
    if action == "case.transition":
        return f"{data.get('from')} → {data.get('to')}"
    phrase = PHRASES.get(action)
    if phrase is None:
        return action
    values = {"action": data.get("action") or "action", "kind": data.get("kind") or "notice"}
    return phrase.format(**values)
