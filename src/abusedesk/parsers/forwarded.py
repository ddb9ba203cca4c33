"""Forwarded reports: the original complaint inside a colleague's or a customer's mail.

Two shapes are unwrapped: the original attached as ``message/rfc822`` ("forward as
attachment"), and the original pasted inline after a forward marker (``---------- Forwarded
message ---------``, ``-----Original Message-----``, ``Begin forwarded message:``, Outlook's
rule of underscores), possibly quoted with ``>``, or with no marker at all as Outlook writes it:
a ``From:`` line followed by ``Sent:``/``Date:``. Inline forwards keep only the headers a mail
client shows (From, Date or Sent, Subject, To) and the body; that is enough for the formats
that live in the body. Every marker is tried in turn: an underscore rule that ends a
signature is no forward.
"""

from __future__ import annotations

import re
from email.message import Message

from abusedesk.domain.errors import ParseError
from abusedesk.parsers import mime
from abusedesk.parsers.result import Context

_MARKER = re.compile(
    r"^[ >]*(?:-{2,}\s*(?:Forwarded message|Original Message|Weitergeleitete Nachricht|"
    r"Message transféré|Ursprüngliche Nachricht)\s*-*.*|Begin forwarded message:|"
    r"-{3,}\s*Forwarded message from .*-*|_{10,})\s*$"
    r"|^(?=[ >]*(?:From|Von|De)\s*:.*\n[ >]*(?:Sent|Gesendet|Envoyé|Date|Datum)\s*:)",
    re.I | re.M,
)
_HEADER_NAMES = re.compile(
    r"^(From|Sent|Date|To|Cc|Subject|Reply-To|Von|Gesendet|Datum|An|Betreff|De|Envoyé|À|Objet)"
    r"\s*:",
    re.I,
)
_RENAME = {
    "sent": "Date",
    "gesendet": "Date",
    "datum": "Date",
    "von": "From",
    "an": "To",
    "betreff": "Subject",
    "de": "From",
    "envoyé": "Date",
    "à": "To",
    "objet": "Subject",
}


def forwarded_messages(message: Message, ctx: Context) -> list[Message]:
    """Messages forwarded inside ``message``, attached ones first."""
    found: list[Message] = []
    for part in mime.walk(message):
        if part is message:
            continue
        if mime.content_type(part) == "message/rfc822":
            try:
                inner = mime.embedded_message(part, ctx.limits)
            except ParseError:
                continue
            if inner is not None:
                found.append(inner)
    if found:
        return found
    for part in mime.walk(message):
        if mime.content_type(part) == "text/plain" and not mime.filename(part):
            inline = inline_forward(mime.text_of(part, ctx.limits), ctx)
            if inline is not None:
                found.append(inline)
                break
    return found


def inline_forward(text: str, ctx: Context) -> Message | None:
    """The message pasted after the first forward marker in ``text`` that heads one."""
    for match in _MARKER.finditer(text):
        found = _pasted_message(text[match.end() :].lstrip("\r\n"), ctx)
        if found is not None:
            return found
    return None


def _pasted_message(rest: str, ctx: Context) -> Message | None:
    lines = [re.sub(r"^>\s?", "", line) for line in rest.splitlines()]
    header_lines: list[str] = []
    index = 0
    while index < len(lines) and (not header_lines and not lines[index].strip()):
        index += 1
    while index < len(lines):
        line = lines[index]
        found = _HEADER_NAMES.match(line.strip())
        if found:
            name = found.group(1)
            value = line.strip()[found.end() :].strip()
            header_lines.append(f"{_RENAME.get(name.lower(), name)}: {value}")
        elif line.startswith((" ", "\t")) and header_lines:
            header_lines[-1] += " " + line.strip()
        else:
            break
        index += 1
    if not any(h.startswith("From:") for h in header_lines) or len(header_lines) < 2:
        return None  # a rule before a signature, or a lone "To:" line: no pasted mail
    body = "\n".join(lines[index:]).lstrip("\n")
    raw = ("\n".join(header_lines) + "\n\n" + body).encode("utf-8", errors="replace")
    return mime.parse_embedded(raw, ctx.limits)
