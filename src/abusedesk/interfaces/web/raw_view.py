"""A complaint's bytes prepared for a page: as text, never as markup; attachments listed.

The raw message is shown as text (decoded as UTF-8 with replacement characters, cut at
``MAX_SHOWN_CHARS``); text parts, HTML ones included, are shown decoded but as their source
text; every other part is listed as an attachment to download (served as
``application/octet-stream`` with ``Content-Disposition: attachment``, so a browser never
renders it). Parsing uses the parsers' bounded MIME reader; a message it refuses is shown
raw only, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message

from abusedesk.domain.errors import InputLimitExceeded, NotFound, ParseError
from abusedesk.parsers import mime
from abusedesk.parsers.limits import DEFAULT_LIMITS

MAX_SHOWN_CHARS = 200_000
MAX_PART_CHARS = 50_000
TEXT_TYPES = ("text/plain", "text/html", "text/enriched", "message/feedback-report",
              "text/rfc822-headers", "message/delivery-status")


@dataclass(frozen=True, slots=True)
class Attachment:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class TextPart:
    content_type: str
    text: str
    truncated: bool


@dataclass
class RawView:
    text: str
    truncated: bool
    parts: list[TextPart] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    problem: str | None = None


def _leaves(message: Message) -> list[Message]:
    """Leaf parts in document order (containers are not downloadable on their own, except
    an attached message, which is offered whole)."""
    leaves = []
    for part in mime.walk(message):
        kind = mime.content_type(part)
        if kind.startswith("multipart/"):
            continue
        leaves.append(part)
    return leaves


def _parse(data: bytes) -> Message:
    return mime.parse_mail(data, DEFAULT_LIMITS)


def raw_view(data: bytes, content_type: str) -> RawView:
    """What the complaint page shows of ``data``."""
    text = data[:MAX_SHOWN_CHARS * 2].decode("utf-8", errors="replace")
    view = RawView(text=text[:MAX_SHOWN_CHARS], truncated=len(data) > MAX_SHOWN_CHARS)
    if content_type != "message/rfc822":
        return view
    try:
        message = _parse(data)
        for index, part in enumerate(_leaves(message)):
            kind = mime.content_type(part)
            name = mime.filename(part)
            if kind in TEXT_TYPES and name is None:
                body = mime.text_of(part, DEFAULT_LIMITS)
                view.parts.append(TextPart(kind, body[:MAX_PART_CHARS], len(body) > MAX_PART_CHARS))
            else:
                size = len(mime.payload_bytes(part, DEFAULT_LIMITS))
                view.attachments.append(Attachment(index, name or f"part-{index}", kind, size))
    except (ParseError, InputLimitExceeded) as error:
        view.problem = str(error)
    return view


def attachment(data: bytes, index: int) -> tuple[str, bytes]:
    """The file name and decoded bytes of leaf part ``index``."""
    try:
        leaves = _leaves(_parse(data))
    except (ParseError, InputLimitExceeded) as error:
        raise NotFound(f"the message cannot be split into parts: {error}") from None
    if not 0 <= index < len(leaves):
        raise NotFound(f"the message has no part {index}")
    part = leaves[index]
    return (mime.filename(part) or f"part-{index}.bin"), mime.payload_bytes(part, DEFAULT_LIMITS)
