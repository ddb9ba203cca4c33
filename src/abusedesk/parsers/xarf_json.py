"""XARF JSON: version 4 (validated with the ``xarf`` package) and legacy v1-v3 (our mapper).

Version 4 reports (``xarf_version`` 4.x) are validated against the official schemas by the
``xarf`` package. A report that fails validation but still names a valid category/type and a
source is read, and the validation errors travel as warnings: real senders miss optional
details, and the offender is what matters. One that lacks those is refused with the errors.

Legacy reports are mapped here, because ``xarf``'s converter rejects real ones (Abusix's
``Version: 3`` with ``SourceIp``/``ReportType: LoginAttack``): the mapper reads the
``Report`` object of either v3 dialect (flat ``SourceIp``/``SourceUrl`` or nested
``Source: {IP, URL, Port}``) and of the older schemas, case-insensitively.
"""

from __future__ import annotations

import json
import re
import warnings
from email.message import Message
from typing import Any

from abusedesk.domain.errors import InputLimitExceeded, ParseError
from abusedesk.domain.events import XARF_TYPES
from abusedesk.parsers import indicators, mime, taxonomy
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.timeparse import parse_any

FORMAT = "xarf-json"


def load_json(raw: bytes, ctx: Context, what: str, *, trailing: bool = False) -> Any:
    """``json.loads`` within the size bound; deep nesting and bad JSON become ParseError.

    With ``trailing``, text after the JSON value is allowed and ignored (a mail body that
    goes on with a signature or an unsubscribe notice).
    """
    if len(raw) > ctx.limits.max_json_bytes:
        raise InputLimitExceeded(
            f"{what} is {len(raw)} bytes; the limit is {ctx.limits.max_json_bytes}"
        )
    depth = max_depth(raw)
    if depth > ctx.limits.max_nesting:
        raise InputLimitExceeded(
            f"{what} nests {depth} levels deep; at most {ctx.limits.max_nesting}"
        )
    try:
        text = mime.decode_bytes(raw, "utf-8")
        if trailing:
            return json.JSONDecoder().raw_decode(text.lstrip())[0]
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ParseError(f"{what} is not valid JSON ({exc})") from None


def max_depth(raw: bytes) -> int:
    """Bracket nesting of a JSON text, counted outside strings, without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def is_xarf(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    keys = {k.lower() for k in data}
    return (
        bool({"xarf_version", "version"} & keys)
        and ("xarf_version" in keys or "report" in keys or "reporterinfo" in keys)
        or {"category", "type", "source_identifier"} <= keys
        or {"class", "type", "source_identifier"} <= keys
    )


def parse_document(raw: bytes, ctx: Context) -> ParseResult | None:
    """Read a XARF JSON document, or return None when it is JSON but not XARF."""
    data = load_json(raw, ctx, "the XARF document")
    if not is_xarf(data):
        return None
    if str(data.get("xarf_version", "")).startswith("4") or "source_identifier" in data:
        return _v4(data, ctx)
    return _legacy(data, ctx)


def parse_mail(message: Message, ctx: Context) -> ParseResult | None:
    """Read a XARF JSON attachment of a mail (Abusix and others send reports so)."""
    for part in mime.walk(message):
        name = (mime.filename(part) or "").lower()
        if mime.content_type(part) == "application/json" or name.endswith(".json"):
            data = mime.payload_bytes(part, ctx.limits)
            if not data.lstrip().startswith(b"{"):
                continue
            try:
                result = parse_document(data, ctx)
            except ParseError as exc:
                ctx.warnings.append(
                    f"JSON attachment {name or '(unnamed)'} unreadable: {exc.reason}"
                )
                continue
            if result is not None:
                return result
    return None


def _validate_v4(data: dict[str, Any]) -> list[str]:
    import xarf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = xarf.parse(data)
        except xarf.XARFError as exc:
            return [str(exc)]
        except Exception as exc:  # noqa: BLE001 - the validator's own failures
            return [f"validator failed: {type(exc).__name__}"]
    return [f"{e.field or '(report)'}: {e.message}" for e in result.errors]


#: Types of the XARF 4.0 drafts (the spec's own samples still use them) -> the 4.x pair.
_DRAFT_TYPES: dict[tuple[str, str], tuple[str, str]] = {
    ("infrastructure", "bot"): ("infrastructure", "botnet"),
    ("connection", "bot"): ("infrastructure", "botnet"),
    ("connection", "auth_failure"): ("connection", "login_attack"),
    ("connection", "ddos_amplification"): ("connection", "ddos"),
    ("connection", "vuln_scanning"): ("connection", "vulnerability_scan"),
    ("messaging", "phishing"): ("content", "phishing"),
    ("vulnerability", "open"): ("vulnerability", "open_service"),
}


def _v4_pair(data: dict[str, Any], ctx: Context) -> tuple[str, str] | None:
    """The category/type of a v4 report; drafts named the category ``class``."""
    category = str(data.get("category") or data.get("class") or "")
    type_ = str(data.get("type", ""))
    if type_ in XARF_TYPES.get(category, ()):
        return category, type_
    pair = _DRAFT_TYPES.get((category, type_))
    if pair is not None:
        ctx.warnings.append(f"XARF draft type {category}/{type_} read as {pair[0]}/{pair[1]}")
    return pair


def _v4(data: dict[str, Any], ctx: Context) -> ParseResult:
    errors = _validate_v4(data)
    pair = _v4_pair(data, ctx)
    if pair is None:
        category = str(data.get("category") or data.get("class") or "")
        raise ParseError(
            f"XARF v4 report with unknown category/type {category!r}/{data.get('type', '')!r}"
            + (f" ({'; '.join(errors[:3])})" if errors else "")
        )
    category, type_ = pair
    for error in errors[:5]:
        ctx.warnings.append(f"XARF v4 validation: {error}")
    source = str(data.get("source_identifier") or "")
    ip = indicators.offender_ip(source)
    domain = None if ip else indicators.hostname(source)
    url = next(
        (
            str(data[k])
            for k in ("url", "infringing_url", "phishing_url", "malware_url")
            if isinstance(data.get(k), str)
        ),
        None,
    )
    sent = "messaging" in (category, data.get("category"), data.get("class"))
    email = data.get("smtp_from") if sent else None
    time = parse_any(str(data.get("timestamp") or ""))
    reporter_value = data.get("reporter")
    reporter: dict[str, Any] = reporter_value if isinstance(reporter_value, dict) else {}
    event = ctx.event(
        category,
        type_,
        ip=ip,
        port=data.get("source_port"),
        url=url,
        domain=domain,
        email=str(email) if email else None,
        time=time,
        time_field="XARF timestamp" if time else None,
        report_id=str(data.get("report_id") or "") or None,
        reporter=indicators.email_address(str(reporter.get("contact") or "")),
        evidence="XARF v4 document",
        details={
            "evidence_source": data.get("evidence_source"),
            "xarf_version": data.get("xarf_version"),
            "first_seen": data.get("first_seen"),
        },
    )
    return ParseResult(
        FORMAT,
        (event,) if event else (),
        reporter=event.reporter if event else ctx.reporter,
        report_id=str(data.get("report_id") or "") or None,
        subject=ctx.subject,
    )


def _find(obj: Any, *names: str) -> Any:
    """The first of ``names`` (case-insensitive) in ``obj`` or its nested ``Source``."""
    if not isinstance(obj, dict):
        return None
    lowered = {str(k).lower(): v for k, v in obj.items()}
    for name in names:
        if "." in name:
            head, rest = name.split(".", 1)
            value = _find(lowered.get(head.lower()), rest)
        else:
            value = lowered.get(name.lower())
        if value not in (None, "", [], {}):
            return value
    return None


_LEGACY_TYPES = {
    "rpz": ("reputation", "blocklist"),
    "harassment": None,
    "potentiallycompromisedaccount": ("infrastructure", "compromised_server"),
}


def _legacy(data: dict[str, Any], ctx: Context) -> ParseResult:
    report = _find(data, "Report") or data
    report_type = str(_find(report, "ReportType") or "")
    report_class = str(_find(report, "ReportClass") or "")
    key = re.sub(r"[-_\s]", "", report_type.lower())
    pair = (
        _LEGACY_TYPES[key]
        if key in _LEGACY_TYPES
        else taxonomy.lookup(report_type, re.sub(r"(?<=[a-z])(?=[A-Z])", "-", report_type))
    )
    if pair is None:
        raise ParseError(
            f"legacy XARF report of unknown type {report_type!r} (class {report_class!r})"
        )
    source = _find(report, "Source")
    ip = indicators.offender_ip(
        _find(report, "SourceIp", "SourceIP", "Source.IP", "Ip", "IP")
        or (source if isinstance(source, str) else None)
    )
    url = _find(report, "SourceUrl", "Source.URL", "Source.Url", "Url", "URL")
    if isinstance(source, str) and re.match(r"(?i)^(https?|ftp)://", source):
        url = url or source
    port = _find(report, "SourcePort", "Source.Port", "Port")
    email = _find(report, "SmtpMailFromAddress", "AdditionalInfo.SMTPFrom", "SmtpFrom")
    time_value = _find(report, "Date", "ReportDate", "FirstSeen")
    time = parse_any(str(time_value)) if time_value else None
    reporter_info = _find(data, "ReporterInfo") or {}
    reporter = indicators.email_address(
        str(_find(reporter_info, "ReporterOrgEmail", "ReporterContactEmail") or "")
    )
    category, type_ = taxonomy.refine_copyright(
        pair, str(_find(report, "Protocol", "P2pProtocol") or "")
    )
    event = ctx.event(
        category,
        type_,
        ip=ip,
        port=port,
        url=str(url) if isinstance(url, str) else None,
        email=str(email) if isinstance(email, str) and category == "messaging" else None,
        time=time,
        time_field="XARF Date" if time else None,
        report_id=str(_find(report, "ReportID", "ReporterCaseID", "ReportId") or "") or None,
        reporter=reporter,
        evidence=f"XARF v{data.get('Version', '?')} document",
        details={
            "report_class": report_class,
            "report_type": report_type,
            "xarf_version": data.get("Version"),
        },
    )
    return ParseResult(
        FORMAT, (event,) if event else (), reporter=reporter or ctx.reporter, subject=ctx.subject
    )
