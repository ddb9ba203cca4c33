"""Reading an item's bytes as text for the PII detectors, or telling that it is binary.

UTF-8 (with or without its BOM) is read as such, Latin-1 when it is not UTF-8. UTF-16 and
UTF-32 are read when they carry their byte-order mark, and UTF-16 without one when every
other byte of its start is NUL (Windows tools write exports so). Anything else with a NUL
byte in its first ``SNIFF_BYTES`` is binary: its "digits" are noise, and it is left to the
signature engines.
"""

from __future__ import annotations

import codecs

from abusedesk.parsers.mime import decode_bytes

#: Bytes looked at to tell text from binary content.
SNIFF_BYTES = 8192

_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def encoding_of(data: bytes) -> tuple[str, int] | None:
    """(encoding, length of its byte-order mark) for text ``data``, None when binary."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    head = data[:SNIFF_BYTES]
    if b"\x00" not in head:
        return "utf-8", 0
    half = len(head) // 2
    if half >= 2:
        even, odd = head[0 : 2 * half : 2].count(0), head[1 : 2 * half : 2].count(0)
        if odd >= 0.9 * half and even <= 0.01 * half:
            return "utf-16-le", 0
        if even >= 0.9 * half and odd <= 0.01 * half:
            return "utf-16-be", 0
    return None


def as_text(data: bytes) -> str | None:
    """``data`` decoded for the detectors (without its byte-order mark), or None if binary."""
    sniffed = encoding_of(data)
    if sniffed is None:
        return None
    encoding, skip = sniffed
    if encoding == "utf-8":
        return decode_bytes(data[skip:], "utf-8")
    width = 4 if encoding.startswith("utf-32") else 2
    body = data[skip:]
    return body[: len(body) - len(body) % width].decode(encoding, errors="replace")
