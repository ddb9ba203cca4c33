"""Complaints as received: channels, statuses, envelopes, and the facts used to spot duplicates.

Every arrival at abusedesk (an SMTP delivery, an IMAP message, a file, an API post) becomes
one complaint record holding the exact bytes (by SHA-256), where and how they came, and a
status. The first arrival of a complaint is its *original*; a later arrival of the same
bytes, or of the same Message-ID from the same sender, is recorded as a *duplicate* that
points at the original and is never processed again.

Everything here is pure: reading a few headers out of hostile bytes is bounded and never
raises.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses
from enum import StrEnum

from abusedesk.domain.errors import InvalidInput, StorageError

#: Header bytes read to find the Message-ID, From and Subject; past this the rest is body.
MAX_HEADER_SCAN = 256 * 1024
#: Nesting allowed in a posted XARF document (the schema needs about five levels).
MAX_JSON_NESTING = 64
#: The job that processes a stored complaint; enqueued with the complaint's record.
PROCESS_TASK = "complaints.process"


class Channel(StrEnum):
    """How a complaint reached abusedesk."""

    SMTP = "smtp"
    IMAP = "imap"
    MAILDIR = "maildir"
    MBOX = "mbox"
    CLI = "cli"
    API = "api"
    WEB = "web"
    #: Written by abusedesk itself from its own checks (a blocklist sweep's evidence).
    MONITOR = "monitor"
    #: Written by abusedesk's content scan (``abusedesk scan --open-cases``), one per finding kind.
    SCAN = "scan"


class ComplaintStatus(StrEnum):
    """Where a complaint stands. Only ``received`` complaints wait for processing."""

    RECEIVED = "received"  # stored; the processing job has not finished yet
    PROCESSED = "processed"  # parsed; its events are stored
    QUARANTINED = "quarantined"  # could not be parsed; ``reason`` says why; replayable
    DUPLICATE = "duplicate"  # a later arrival of an original; never processed
    NOT_ABUSE = "not-abuse"  # a report that is no complaint (DMARC aggregate, ARF not-spam)


class ContentType(StrEnum):
    """What the stored bytes are, which decides the parser entry point."""

    RFC822 = "message/rfc822"
    XARF_JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Envelope:
    """The SMTP envelope and connection facts of an arrival, as far as the channel knows them."""

    mail_from: str | None = None  # "" is the null reverse-path <>
    rcpt_tos: tuple[str, ...] = ()
    peer: str | None = None  # "address:port" of the sending client
    helo: str | None = None


@dataclass(frozen=True, slots=True)
class Arrival:
    """Everything about one arrival except its bytes.

    ``source`` names the item in its origin when it has a stable name (a file path, an IMAP
    message's URL, an mbox path and index). The same bytes from the same source are the same
    arrival: importing a Maildir twice records nothing new.
    """

    channel: Channel
    received_at: datetime
    envelope: Envelope = Envelope()
    source: str | None = None
    content_type: ContentType = ContentType.RFC822


@dataclass(frozen=True, slots=True)
class DedupFacts:
    """What identifies a complaint besides its exact bytes: its Message-ID (or XARF report
    id), its sender and the digest of its body, plus the subject shown in listings.

    The body digest keeps a sender that reuses Message-IDs (a broken generator, anonymised
    samples) from having distinct complaints taken for duplicates, while a copy of one
    message that gained trace headers on another path (IMAP after SMTP) still matches.
    """

    message_id: str | None
    sender: str | None
    subject: str | None = None
    body_sha256: str | None = None

    @property
    def dedup_key(self) -> str | None:
        """SHA-256 of Message-ID, sender and body digest; None unless ID and sender are known."""
        if not self.message_id or not self.sender:
            return None
        identity = f"{self.message_id}\0{self.sender}\0{self.body_sha256 or ''}"
        return hashlib.sha256(identity.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewComplaint:
    """A complaint record about to be written (original or duplicate)."""

    sha256: str
    size: int
    arrival: Arrival
    facts: DedupFacts
    status: ComplaintStatus
    duplicate_of: int | None = None


@dataclass(frozen=True, slots=True)
class ComplaintRecord:
    """A stored complaint as services and interfaces see it."""

    id: int
    sha256: str
    size: int
    channel: Channel
    content_type: ContentType
    received_at: datetime
    envelope: Envelope
    source: str | None
    message_id: str | None
    sender: str | None
    subject: str | None
    status: ComplaintStatus
    duplicate_of: int | None = None
    reason: str | None = None  # quarantine or not-abuse reason
    format: str | None = None
    reporter: str | None = None
    event_count: int = 0
    processed_at: datetime | None = None
    warnings: tuple[str, ...] = ()

    @property
    def original_id(self) -> int:
        return self.duplicate_of if self.duplicate_of is not None else self.id


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the intake answers for one arrival.

    ``new`` is False when the arrival was already recorded (same bytes, same source); then
    ``complaint_id`` is that earlier record.
    """

    complaint_id: int
    sha256: str
    status: ComplaintStatus
    duplicate_of: int | None = None
    new: bool = True

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None


@dataclass(frozen=True, slots=True)
class MailboxItem:
    """One message found in a mailbox (IMAP folder, Maildir, mbox).

    ``data`` is None when the message cannot be taken (too large, unreadable); ``problem``
    then says why, and the message is left where it is. ``stable`` is False for a source
    that names no lasting item (standard input): each such arrival is a new one.
    """

    source: str
    data: bytes | None
    problem: str | None = None
    stable: bool = True


@dataclass(frozen=True, slots=True)
class RawCopy:
    """The exact bytes of a complaint, checked against the digest they are stored under."""

    complaint_id: int
    sha256: str
    content_type: ContentType
    data: bytes


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checked_copy(record: ComplaintRecord, data: bytes | None) -> RawCopy:
    """The stored bytes of ``record`` if they are the ones received.

    Raises ``StorageError`` when they are missing or no longer match the digest they were
    stored under: a damaged copy is never handed out nor processed.
    """
    if data is None:
        raise StorageError(f"the bytes of complaint {record.id} (sha256 {record.sha256}) "
                           "are missing from the store")
    if sha256_hex(data) != record.sha256:
        raise StorageError(f"the stored bytes of complaint {record.id} do not match their "
                           f"digest {record.sha256}: the store is damaged; restore a backup")
    return RawCopy(record.id, record.sha256, record.content_type, data)


def header_block(raw: bytes, limit: int = MAX_HEADER_SCAN) -> bytes:
    """The header lines of a mail: everything before the first empty line, within ``limit``."""
    return split_mail(raw, limit)[0]


def split_mail(raw: bytes, limit: int = MAX_HEADER_SCAN) -> tuple[bytes, bytes]:
    """Header lines and body of a mail; with no empty line within ``limit``, the first
    ``limit`` bytes count as header."""
    head = raw[:limit]
    ends = [(i, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (i := head.find(sep)) >= 0]
    if not ends:
        return head, raw[limit:]
    end, separator = min(ends)
    return raw[:end], raw[end + separator:]


def body_digest(body: bytes) -> str:
    """SHA-256 of a body with line ends and trailing blank lines normalised, which mail
    stores change (CRLF on the wire, LF in Maildir and mbox)."""
    return sha256_hex(body.replace(b"\r\n", b"\n").rstrip(b"\n"))


def mail_facts(raw: bytes) -> DedupFacts:
    """Message-ID, sender (the From address, lower case), subject and body digest of a mail.

    Headers are read with the forgiving ``compat32`` policy from a bounded header block, so
    malformed, 8-bit or hostile headers give None for what cannot be read, never an error.
    """
    header, body = split_mail(raw)
    try:
        parsed = BytesHeaderParser(policy=compat32).parsebytes(header + b"\n\n")
        headers: dict[str, str] = {}
        for name, value in parsed.raw_items():  # raw: 8-bit bytes kept as surrogates
            headers.setdefault(name.lower(), _text(value) or "")
    except Exception:  # noqa: BLE001 - header parsing of hostile bytes must never fail intake
        return DedupFacts(None, None)
    return DedupFacts(
        message_id=_message_id(headers.get("message-id")),
        sender=_address(headers.get("from")),
        subject=_subject(headers.get("subject")),
        body_sha256=body_digest(body),
    )


def xarf_facts(document: bytes) -> DedupFacts:
    """Report id and reporter contact of a XARF JSON document, which must be a JSON object.

    Raises ``InvalidInput`` when the bytes are not a JSON object (the API answers 400); a
    document that is JSON but not valid XARF is stored and quarantined by processing.
    """
    try:
        parsed = json.loads(document.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InvalidInput(f"the XARF document is not UTF-8 JSON ({type(error).__name__}: "
                           f"{str(error)[:120]})") from None
    if not isinstance(parsed, dict):
        raise InvalidInput("a XARF document is a JSON object, not a "
                           f"{type(parsed).__name__}")
    if _depth(parsed) > MAX_JSON_NESTING:
        raise InvalidInput(f"the XARF document is nested more than {MAX_JSON_NESTING} levels")
    contact = None
    for party in ("reporter", "sender"):
        value = parsed.get(party)
        if isinstance(value, dict) and isinstance(value.get("contact"), str):
            contact = value["contact"].strip().lower() or None
            break
    report_id = parsed.get("report_id") or parsed.get("Report-ID")
    category = parsed.get("category")
    type_ = parsed.get("type")
    subject = f"XARF {category}/{type_}" if isinstance(category, str) and isinstance(type_, str) \
        else "XARF document"
    return DedupFacts(
        message_id=str(report_id).strip()[:998] if isinstance(report_id, str | int) else None,
        sender=contact[:320] if contact else None,
        subject=subject[:300],
    )


def _depth(value: object, limit: int = MAX_JSON_NESTING + 1) -> int:
    # Iterative, so a hostile document cannot exhaust the stack while being measured.
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest >= limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return deepest


def _text(value: object) -> str | None:
    """A compat32 header value as text; 8-bit bytes (SMTPUTF8 mail) read as UTF-8."""
    if value is None:
        return None
    text = str(value)
    try:
        return text.encode("ascii", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        return text


def _message_id(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    start, end = value.find("<"), value.find(">")
    if 0 <= start < end:
        value = value[start + 1 : end]
    value = value.strip()
    return value[:998] or None


def _address(value: str | None) -> str | None:
    if not value:
        return None
    try:
        pairs = getaddresses([value])
    except Exception:  # noqa: BLE001 - a hostile From header gives no sender, not an error
        return None
    for _name, address in pairs:
        address = address.strip().lower()
        if "@" in address:
            return address[:320]
    return None


def _subject(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        text = str(make_header(decode_header(value)))
    except Exception:  # noqa: BLE001 - undecodable encoded words: keep the raw text
        text = value
    text = " ".join(text.split())
    return text[:300] or None


@dataclass(frozen=True, slots=True)
class RecipientPolicy:
    """Which envelope recipients the SMTP intake accepts.

    By default any address whose local part is one of ``local_parts`` (``abuse``), at any
    domain; ``aliases`` add whole addresses. Comparison ignores case.
    """

    local_parts: tuple[str, ...] = ("abuse",)
    aliases: tuple[str, ...] = ()

    def accepts(self, address: str) -> bool:
        address = address.strip().strip("<>").lower()
        if address in self.aliases:
            return True
        local, at, domain = address.rpartition("@")
        return bool(at and domain) and local in self.local_parts

    def describe(self) -> str:
        parts = [f"{local}@<any domain>" for local in self.local_parts] + list(self.aliases)
        return ", ".join(parts) or "no address"
