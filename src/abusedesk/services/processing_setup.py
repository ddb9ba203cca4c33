"""What the processing job is built from: the parser entry points and the policy timeline.

Kept apart from ``processing`` so the job's logic can be tested with any parser, policy
lookup and resolver, while the real ones are chosen in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from abusedesk.domain.complaints import ContentType
from abusedesk.domain.ports import StoredPolicy
from abusedesk.parsers import ParseOptions, ParseResult, parse_complaint, parse_xarf_document
from abusedesk.parsers.limits import DEFAULT_LIMITS
from abusedesk.services.policies import PolicyService
from abusedesk.services.processing import ParseFunction, PolicyAt


def parse_options(*, max_message_bytes: int, own_names: Sequence[str] = ()) -> ParseOptions:
    """Parser options matching the intake: the same size limit, and our own addresses
    (abuse@ aliases) excluded from what free text may report."""
    limits = replace(DEFAULT_LIMITS, max_message_bytes=max_message_bytes)
    return ParseOptions(own_names=tuple(own_names), limits=limits)


def parser(options: ParseOptions) -> ParseFunction:
    """The parser entry point for each stored content type."""

    def parse(data: bytes, content_type: ContentType, received_at: datetime) -> ParseResult:
        if content_type is ContentType.XARF_JSON:
            return parse_xarf_document(data, received_at=received_at, options=options)
        return parse_complaint(data, received_at=received_at, options=options)

    return parse


def policy_timeline(policies: PolicyService) -> PolicyAt:
    """The version in force at a moment, as ``PolicyService.in_force`` decides it."""

    def policy_at(moment: datetime) -> StoredPolicy:
        return policies.in_force(moment).stored

    return policy_at
