"""Notices: their kinds, the RFC 3834 rules for acknowledgements, and the MIME assembly.

A notice to a customer carries the complaint as a ``message/rfc822`` part whose body is
the stored raw complaint, byte for byte: the message is assembled here at the byte level,
because the ``email`` package re-serialises nested messages and would alter them. When
the stored bytes cannot travel unchanged through SMTP (bare line feeds, lines over 998
octets, NUL bytes, or 8-bit data to a relay without 8BITMIME) the copy is attached as
base64 ``application/octet-stream`` instead, which keeps the bytes exact at the cost of
the nicer display; the notice names the SHA-256 of the original either way.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from enum import StrEnum

CRLF = b"\r\n"
MAX_LINE = 998


class NoticeKind(StrEnum):
    NOTICE = "notice"  # the first notice of a case, with the complaint copy
    REMINDER = "reminder"  # the deadline is near
    ESCALATION = "escalation"  # the deadline passed; the next rung of the ladder
    ACKNOWLEDGEMENT = "acknowledgement"  # to the complainant, with the reference
    OPTIN_REQUEST = "optin-request"  # confirmed opt-in evidence asked for (Bulk Emailers 1)

    @property
    def label(self) -> str:
        return "Opt-in evidence request" if self is NoticeKind.OPTIN_REQUEST \
            else self.value.capitalize()


class NoticeStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # the relay refused it for good
    SUPPRESSED = "suppressed"  # deliberately not sent (auto-submitted complaint, no contact)


# -- RFC 3834: never answer automatic mail -------------------------------------------------

_NO_REPLY_LOCAL = re.compile(r"^(no-?reply|do-?not-?reply|mailer-daemon|bounces?)([+._-].*)?$",
                             re.IGNORECASE)


def auto_reply_refusal(headers: Mapping[str, str] | Sequence[tuple[str, str]], *,
                       envelope_sender: str | None,
                       own_addresses: Sequence[str] = ()) -> str | None:
    """Why an acknowledgement must not be sent to this complaint, or None if it may be.

    RFC 3834: no response to a message marked ``Auto-Submitted`` (other than ``no``), to
    mailing-list or bulk mail, or to a null return path; and never to ourselves, which
    would loop. ``headers`` are the complaint's top-level headers.
    """
    items = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    lowered = [(name.lower(), str(value).strip()) for name, value in items]

    def first(name: str) -> str | None:
        return next((value for key, value in lowered if key == name), None)

    auto = first("auto-submitted")
    if auto is not None and auto.split(";")[0].strip().lower() != "no":
        return f"the complaint is marked Auto-Submitted: {auto}"
    precedence = (first("precedence") or "").lower()
    if precedence in ("bulk", "junk", "list"):
        return f"the complaint is marked Precedence: {precedence}"
    if first("list-id") is not None:
        return "the complaint came through a mailing list (List-Id)"
    suppress = (first("x-auto-response-suppress") or "").lower()
    if any(word in suppress for word in ("all", "autoreply")):
        return f"the sender asked for no automatic replies (X-Auto-Response-Suppress: {suppress})"
    if envelope_sender is not None and envelope_sender.strip() in ("", "<>"):
        return "the complaint has a null return path (a bounce or other automatic mail)"
    recipient = acknowledgement_recipient(items, envelope_sender=envelope_sender)
    if recipient is None:
        return "the complaint names no address to answer"
    local = recipient.rsplit("@", 1)[0]
    if _NO_REPLY_LOCAL.match(local):
        return f"{recipient} does not take replies"
    if recipient.lower() in {address.lower() for address in own_addresses}:
        return f"{recipient} is our own address; answering would loop"
    return None


def acknowledgement_recipient(headers: Sequence[tuple[str, str]], *,
                              envelope_sender: str | None) -> str | None:
    """Where an acknowledgement goes: the return path (RFC 3834 section 4), else the
    Return-Path header, Reply-To, From."""
    if envelope_sender and envelope_sender.strip() not in ("", "<>"):
        return envelope_sender.strip().strip("<>") or None
    lowered = [(name.lower(), str(value)) for name, value in headers]
    for name in ("return-path", "reply-to", "from"):
        values = [value for key, value in lowered if key == name]
        if not values:
            continue
        for _, address in getaddresses(values):
            if "@" in address:
                return address
    return None


# -- assembling the message ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class OriginalCopy:
    """The raw complaint to attach, with the name and media type it is given."""

    raw: bytes
    filename: str = "complaint.eml"
    media_type: str = "message/rfc822"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


def travels_unchanged(raw: bytes, *, eight_bit_ok: bool) -> bool:
    """True when ``raw`` survives SMTP byte for byte as a 7bit or 8bit MIME body."""
    if b"\0" in raw:
        return False
    if not eight_bit_ok and any(byte > 0x7F for byte in raw):
        return False
    return all(b"\r" not in line and b"\n" not in line and len(line) <= MAX_LINE
               for line in raw.split(CRLF))


def address_domain(address: str) -> str:
    """The domain of a mail address (``abuse@example.net``, ``<abuse@example.net>``), which
    Message-IDs and reports name as ours; ``abusedesk.localhost`` when it is empty."""
    return address.rsplit("@", 1)[-1].strip(">") or "abusedesk.localhost"


def encode_address(display_name: str | None, address: str) -> str:
    """``Name <address>`` with the name quoted as needed (for headers)."""
    name, addr = parseaddr(address)
    addr = addr or address
    try:
        username, domain = addr.rsplit("@", 1)
    except ValueError:
        return addr
    return str(Address(display_name=display_name or name or "", username=username, domain=domain))


def _header_block(headers: Sequence[tuple[str, str]]) -> bytes:
    smtp = email_policy.SMTP
    holder = EmailMessage(policy=smtp)
    for name, value in headers:
        holder[name] = value
    # Header objects fold and RFC 2047-encode themselves; SMTP policy gives CRLF ends.
    return b"".join(smtp.fold_binary(name, value) for name, value in holder.items())


def _text_part(text: str, subtype: str) -> bytes:
    part = EmailMessage(policy=email_policy.SMTP)
    part.set_content(text, subtype=subtype, charset="utf-8", cte="quoted-printable")
    del part["MIME-Version"]
    return part.as_bytes()


def _boundary(*parts: bytes) -> str:
    seed = hashlib.sha256(b"".join(parts)).hexdigest()
    for attempt in range(100):
        candidate = f"=_abusedesk_{seed[:24]}_{attempt}"
        marker = candidate.encode("ascii")
        if not any(marker in part for part in parts):
            return candidate
    raise RuntimeError("no MIME boundary found that the parts do not contain")


def _multipart(subtype: str, parts: Sequence[bytes], boundary: str) -> tuple[bytes, bytes]:
    """The Content-Type header line and the body of a multipart made of ``parts``."""
    marker = b"--" + boundary.encode("ascii")
    body = b"This is a MIME-formatted message." + CRLF
    for part in parts:
        # The CRLF before each delimiter belongs to the delimiter (RFC 2046 5.1.1), so
        # each part's bytes arrive exactly as given.
        body += CRLF + marker + CRLF + part
    body += CRLF + marker + b"--" + CRLF
    header = f'Content-Type: multipart/{subtype}; boundary="{boundary}"'.encode("ascii") + CRLF
    return header, body


def _attachment(copy: OriginalCopy, *, eight_bit_ok: bool) -> bytes:
    name = copy.filename.replace('"', "")
    if copy.media_type == "message/rfc822" and travels_unchanged(copy.raw,
                                                                 eight_bit_ok=eight_bit_ok):
        encoding = "8bit" if any(byte > 0x7F for byte in copy.raw) else "7bit"
        head = (f"Content-Type: message/rfc822\r\n"
                f'Content-Disposition: attachment; filename="{name}"\r\n'
                f"Content-Description: the complaint as received, SHA-256 {copy.sha256}\r\n"
                f"Content-Transfer-Encoding: {encoding}\r\n\r\n").encode("ascii")
        return head + copy.raw
    part = EmailMessage(policy=email_policy.SMTP)
    maintype, _, subtype = copy.media_type.partition("/")
    if maintype in ("message", "multipart", "text") or not subtype:
        # base64 is not allowed on message/* (RFC 2046), and text/* would be re-encoded
        maintype, subtype = "application", "octet-stream"
    part.set_content(copy.raw, maintype=maintype, subtype=subtype,
                     disposition="attachment", filename=name)
    part["Content-Description"] = f"the complaint as received, SHA-256 {copy.sha256}"
    del part["MIME-Version"]
    return part.as_bytes()


def assemble_message(headers: Sequence[tuple[str, str]], *, text: str, html: str | None = None,
                     original: OriginalCopy | None = None, eight_bit_ok: bool = True) -> bytes:
    """The whole message as bytes with CRLF line ends, ready for the relay.

    ``headers`` are the top-level headers (From, To, Subject, Date, Message-ID ...);
    MIME headers are added here. With ``original`` the message is multipart/mixed and the
    complaint is its last part.
    """
    top = _header_block(headers) + b"MIME-Version: 1.0" + CRLF
    if html is None:
        body_part = _text_part(text, "plain")
    else:
        plain, rich = _text_part(text, "plain"), _text_part(html, "html")
        content_type, body = _multipart("alternative", [plain, rich], _boundary(plain, rich))
        body_part = content_type + CRLF + body
    if original is None:
        return top + body_part
    attachment = _attachment(original, eight_bit_ok=eight_bit_ok)
    content_type, body = _multipart("mixed", [body_part, attachment],
                                    _boundary(body_part, attachment))
    return top + content_type + CRLF + body
