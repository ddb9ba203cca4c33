"""Reading complaint mail with the stdlib ``email`` package, within bounds.

``parse_mail`` checks size, header block, MIME depth and part count before and after the
stdlib parser runs (``policy.default`` keeps ``message/feedback-report`` fields as a nested
message). Accessors never raise on malformed input: headers are read raw and decoded with a
fallback, text parts with their declared charset or, failing that, Latin-1 with replacement,
so an invalid charset degrades to readable text rather than an exception.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import email.header
import email.parser
import quopri
import re
import urllib.parse
from collections.abc import Iterator
from email import policy
from email.message import Message

from abusedesk.domain.errors import InputLimitExceeded, ParseError
from abusedesk.parsers.limits import Limits, check_size

_HEADER_END = re.compile(rb"\r?\n\r?\n")


def looks_like_mail(raw: bytes) -> bool:
    """True when ``raw`` starts with something like an RFC 5322 header block."""
    head = raw[:4096].lstrip(b"\r\n")
    if head.startswith(b"From "):  # mbox separator line
        head = head.split(b"\n", 1)[-1]
    first = head.split(b"\n", 1)[0]
    return bool(re.match(rb"^[!-9;-~]{1,76}:", first))


def parse_mail(raw: bytes, limits: Limits) -> Message:
    """Parse ``raw`` into a message tree, or raise ``InputLimitExceeded``/``ParseError``."""
    check_size("the message", len(raw), limits.max_message_bytes)
    _check_header_block(raw, "the message", limits)
    # Cheap pre-check: every multipart level declares a boundary; a nesting bomb shows here
    # before the parser builds the tree.
    boundaries = raw.lower().count(b"boundary=")
    if boundaries > limits.max_mime_parts:
        raise InputLimitExceeded(
            f"the message declares {boundaries} MIME boundaries; at most {limits.max_mime_parts} parts are read"  # noqa: E501
        )
    try:
        message = email.parser.BytesParser(policy=policy.default).parsebytes(raw)
    except RecursionError:
        raise InputLimitExceeded("MIME nesting too deep to parse") from None
    except Exception as exc:  # noqa: BLE001 - the stdlib parser's failures are not typed
        raise ParseError(f"the message cannot be parsed as MIME ({type(exc).__name__})") from None
    check_tree(message, limits)
    return message


def parse_embedded(raw: bytes, limits: Limits) -> Message:
    """Parse an attached or forwarded message, with the same bounds."""
    return parse_mail(raw, limits)


def _check_header_block(raw: bytes, what: str, limits: Limits) -> None:
    match = _HEADER_END.search(raw, 0, limits.max_header_bytes + 4)
    if match is None and len(raw) > limits.max_header_bytes:
        raise InputLimitExceeded(
            f"the header block of {what} is larger than {limits.max_header_bytes} bytes"
        )


def check_tree(message: Message, limits: Limits) -> None:
    """Raise when the parsed tree is deeper, wider or has more headers than allowed."""
    stack: list[tuple[Message, int]] = [(message, 1)]
    parts = 0
    while stack:
        part, depth = stack.pop()
        parts += 1
        if depth > limits.max_mime_depth:
            raise InputLimitExceeded(
                f"MIME parts are nested deeper than {limits.max_mime_depth} levels"
            )
        if parts > limits.max_mime_parts:
            raise InputLimitExceeded(
                f"the message has more than {limits.max_mime_parts} MIME parts"
            )
        if len(list(part.raw_items())) > limits.max_header_count:
            raise InputLimitExceeded(
                f"a MIME part has more than {limits.max_header_count} header fields"
            )
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend((child, depth + 1) for child in payload if isinstance(child, Message))


def walk(message: Message) -> Iterator[Message]:
    """Every part of ``message`` itself, depth first, without recursion.

    An attached message (``message/rfc822`` and the other ``message/*`` types) is yielded but
    not entered: its parts belong to another mail (a forwarded report, the spam a report
    quotes), which is read by unwrapping it (``forwarded``) or as evidence, never as parts
    of the complaint around it. The tree was bounded by ``check_tree``.
    """
    stack = [message]
    while stack:
        part = stack.pop()
        yield part
        if part is not message and content_type(part).startswith("message/"):
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend(reversed([p for p in payload if isinstance(p, Message)]))



def leaf_parts(message: Message) -> Iterator[Message]:
    """The parts of ``message`` (as ``walk`` finds them) that hold content of their own: no
    ``multipart/*`` container and no attached ``message/*`` (another mail, read elsewhere)."""
    for part in walk(message):
        if not part.is_multipart() and not content_type(part).startswith("message/"):
            yield part

def _decode_words(value: str) -> str:
    try:
        pieces = email.header.decode_header(value)
    except Exception:  # noqa: BLE001 - malformed encoded words: keep the raw text
        return value
    out = []
    for chunk, charset in pieces:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    return "".join(out)


def headers(message: Message, name: str) -> list[str]:
    """All values of header ``name``, unfolded and with encoded words decoded."""
    wanted = name.lower()
    values = []
    for key, value in message.raw_items():
        if key.lower() == wanted:
            text = " ".join(str(value).split())
            values.append(_decode_words(text) if "=?" in text else text)
    return values


def header(message: Message, name: str) -> str | None:
    """The first value of header ``name``, or None."""
    found = headers(message, name)
    return found[0] if found else None


def _raw(part: Message, name: str) -> str | None:
    wanted = name.lower()
    for key, value in part.raw_items():
        if key.lower() == wanted:
            return " ".join(str(value).split())
    return None


def param(value: str | None, name: str) -> str | None:
    """A parameter of a structured header value, read without the header registry.

    ``policy.default`` parses every header it is asked for into objects; reading the raw
    value is several times faster and what complaints need. RFC 2231 ``name*=`` values are
    decoded; continuations (``name*0=``) are joined.
    """
    if not value:
        return None
    pieces: dict[int, str] = {}
    for match in re.finditer(
        rf'(?i)(?:^|;)\s*{re.escape(name)}(\*(\d+))?(\*)?\s*=\s*("((?:[^"\\]|\\.)*)"|[^;\s]*)',
        value,
    ):
        text = match.group(5) if match.group(5) is not None else match.group(4)
        if match.group(3):  # extended: charset'lang'percent-encoded
            charset, _, rest = text.partition("'")
            _lang, _, encoded = rest.partition("'")
            text = urllib.parse.unquote(
                encoded or text, encoding=charset or "utf-8", errors="replace"
            )
        pieces[int(match.group(2) or 0)] = text
    if not pieces:
        return None
    joined = "".join(pieces[k] for k in sorted(pieces))
    return _decode_words(joined) if "=?" in joined else joined


def content_type(part: Message) -> str:
    """``type/subtype`` in lower case; ``text/plain`` when absent or malformed (RFC 2045)."""
    value = _raw(part, "Content-Type")
    if value:
        match = re.match(r"\s*([A-Za-z0-9!#$&^_.+-]+)/([A-Za-z0-9!#$&^_.+-]+)", value)
        if match:
            return f"{match.group(1)}/{match.group(2)}".lower()
    return "text/plain"


def content_param(part: Message, name: str) -> str | None:
    return param(_raw(part, "Content-Type"), name)


def filename(part: Message) -> str | None:
    """The attachment's file name from Content-Disposition or Content-Type ``name``."""
    name = param(_raw(part, "Content-Disposition"), "filename") or content_param(part, "name")
    return name.strip() if name and name.strip() else None


def charset(part: Message) -> str | None:
    value = content_param(part, "charset")
    return value.strip().lower() if value else None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes in ``charset``; an unknown or wrong charset falls back to Latin-1."""
    name = (charset or "utf-8").strip().strip('"').lower()
    if name in ("utf8", "unicode-1-1-utf-8"):
        name = "utf-8"
    try:
        codecs.lookup(name)
    except (LookupError, ValueError):
        name = "utf-8"
    try:
        return data.decode(name)
    except (UnicodeDecodeError, LookupError):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1", errors="replace")


def payload_bytes(part: Message, limits: Limits) -> bytes:
    """The decoded content of a leaf part, bounded by ``max_part_bytes``."""
    payload = part.get_payload()
    if isinstance(payload, list):
        raw = b"".join(
            p.as_bytes(policy=policy.compat32) for p in payload if isinstance(p, Message)
        )
        check_size("a MIME part", len(raw), limits.max_part_bytes)
        return raw
    text = payload if isinstance(payload, str) else ""
    check_size("a MIME part", len(text), limits.max_part_bytes * 2)
    encoding = (header(part, "Content-Transfer-Encoding") or "").strip().lower()
    if encoding not in ("base64", "quoted-printable"):
        # 7bit/8bit/binary: the bytes as sent. ``get_payload()`` has already decoded 8-bit
        # text with the declared charset, so re-encoding that string would decode it twice.
        undecoded = part.get_payload(decode=True)
        as_sent = undecoded if isinstance(undecoded, bytes) else _restore_bytes(text)
        check_size("a decoded MIME part", len(as_sent), limits.max_part_bytes)
        return as_sent
    data = _restore_bytes(text)
    if encoding == "base64":
        with contextlib.suppress(binascii.Error, ValueError):
            data = base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", data) + b"==")
    elif encoding == "quoted-printable":
        data = quopri.decodestring(data)
    check_size("a decoded MIME part", len(data), limits.max_part_bytes)
    return data


def _restore_bytes(text: str) -> bytes:
    """The bytes the parser read: BytesParser keeps non-ASCII bytes as surrogate escapes."""
    try:
        return text.encode("ascii", errors="surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="surrogateescape")


def text_of(part: Message, limits: Limits) -> str:
    """The text of a leaf part, decoded with its charset (fallback described above)."""
    data = payload_bytes(part, limits)
    text = decode_bytes(data, charset(part))
    return text[: limits.max_text_chars]


def embedded_message(part: Message, limits: Limits) -> Message | None:
    """The message inside a ``message/rfc822`` (or ``message/*``) part.

    Some senders base64-encode the attached message; the stdlib then parses the encoded
    text as a message, so such parts are decoded and parsed again.
    """
    payload = part.get_payload()
    encoding = (header(part, "Content-Transfer-Encoding") or "").strip().lower()
    if isinstance(payload, list) and payload and encoding not in ("base64", "quoted-printable"):
        inner = payload[0]
        return inner if isinstance(inner, Message) else None
    if isinstance(payload, list) and payload:
        raw = (
            payload[0].as_bytes(policy=policy.compat32) if isinstance(payload[0], Message) else b""
        )
        body = raw.split(b"\n\n", 1)[-1] if b"\n\n" in raw else raw
        decoded = (
            base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", body) + b"==")
            if encoding == "base64"
            else quopri.decodestring(body)
        )
        return parse_embedded(decoded, limits) if looks_like_mail(decoded) else None
    data = payload_bytes(part, limits)
    return parse_embedded(data, limits) if looks_like_mail(data) else None


def raw_fields(part: Message, limits: Limits) -> str:
    """The text of a ``message/feedback-report`` (or similar) part as written."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        inner = payload[0]
        encoding = (header(part, "Content-Transfer-Encoding") or "").strip().lower()
        lines = [f"{key}: {value}" for key, value in inner.raw_items()]
        body = inner.get_payload()
        text = "\n".join(lines) + "\n" + (body if isinstance(body, str) else "")
        if encoding == "base64":
            try:
                decoded = base64.b64decode(re.sub(r"[^A-Za-z0-9+/=]", "", text) + "==")
                return decode_bytes(decoded, "utf-8")
            except (binascii.Error, ValueError):
                return text
        return text
    return text_of(part, limits)


def header_fields(text: str) -> Message:
    """Parse a block of header lines (``text/rfc822-headers``) into a message."""
    return email.parser.HeaderParser(policy=policy.default).parsestr(text)


def addresses(value: str | None) -> list[str]:
    """Bare e-mail addresses from a header value."""
    if not value:
        return []
    return [
        m.lower()
        for m in re.findall(
            r"[A-Za-z0-9._%+=-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}", value
        )
    ]
