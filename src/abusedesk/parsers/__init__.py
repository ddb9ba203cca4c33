"""Parsing and classification of abuse complaints.

One entry point for complaints as received (mail, or a report document):
``parse_complaint(raw, received_at=...)``; one for XARF JSON posted to the API:
``parse_xarf_document(body, received_at=...)``. Both return a ``ParseResult`` or raise
``ParseError`` / ``InputLimitExceeded`` with the quarantine reason. Classification is
``abusedesk.domain.events.classify_event`` (the same rule everywhere). docs/formats.md lists the
formats, what is read from each, the time rules and the limits.
"""

from abusedesk.parsers.registry import parse_complaint, parse_xarf_document
from abusedesk.parsers.result import ParseOptions, ParseResult

__all__ = ["ParseOptions", "ParseResult", "parse_complaint", "parse_xarf_document"]
