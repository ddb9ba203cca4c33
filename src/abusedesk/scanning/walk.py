"""Opening what a scan is given: zip, gzip and tar archives and mail, nested, within bounds.

``walk`` turns one input into the leaf items to scan (``Item``) and what could not be
opened (``Unscanned``, with the reason). Archives are opened with the bounded helpers of
``abusedesk.parsers.limits`` and mail with ``abusedesk.parsers.mime``; nesting deeper than
``max_archive_depth`` and bytes past ``max_inflated_bytes`` for the whole input stop the
walk there with a reason, so a nested zip bomb costs no more than a flat one. Containers
themselves are not items: their members are. Nothing here raises on bad input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import Message

from abusedesk.domain.errors import AbuseDeskError
from abusedesk.parsers import mime
from abusedesk.parsers.limits import Limits, looks_like_tar, safe_gunzip, safe_untar, safe_unzip

#: Separates a container from a member in a location: ``dump.zip!/users.csv``.
INSIDE = "!/"

_MAIL_HEADERS = re.compile(rb"(?im)^(?:mime-version|received|message-id|subject):")


@dataclass(frozen=True, slots=True)
class Item:
    """One leaf to scan: where it is and its bytes."""

    location: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Unscanned:
    """Something that was not (or not wholly) scanned, and why; ``failed`` when a scanner
    broke on it (rather than a bound or a corrupt archive stopping it)."""

    location: str
    reason: str
    failed: bool = False


def container_kind(name: str, data: bytes) -> str | None:
    """``zip``, ``gzip``, ``tar`` or ``mail`` when ``data`` is one, else None."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    if looks_like_tar(data):
        return "tar"
    if mime.looks_like_mail(data) and (
        name.lower().endswith(".eml") or _MAIL_HEADERS.search(data[:16384])
    ):
        return "mail"
    return None


def walk(name: str, data: bytes, limits: Limits) -> Iterator[Item | Unscanned]:
    """The leaves of ``data`` (named ``name``), depth first; see the module docstring."""
    budget = limits.max_inflated_bytes
    stack: list[tuple[str, bytes, int]] = [(name, data, 0)]
    while stack:
        location, content, depth = stack.pop()
        kind = container_kind(location, content)
        if kind is None:
            yield Item(location, content)
            continue
        if depth >= limits.max_archive_depth:
            yield Unscanned(location, f"{kind} nested deeper than {limits.max_archive_depth} "
                                      "levels; not opened")
            continue
        try:
            children = list(_open(kind, location, content, limits))
        except AbuseDeskError as error:
            yield Unscanned(location, f"{kind} cannot be opened: {error}")
            continue
        except Exception as error:  # noqa: BLE001 - hostile input must never end a scan
            yield Unscanned(location, f"{kind} cannot be opened ({type(error).__name__})")
            continue
        produced = sum(len(child) for _, child in children)
        if produced > budget:
            yield Unscanned(location, f"{kind} expands past the {limits.max_inflated_bytes} "
                                      "bytes one input may inflate to; treated as a bomb")
            continue
        budget -= produced
        stack.extend((child_name, child, depth + 1) for child_name, child in reversed(children))


def _open(kind: str, location: str, data: bytes,
          limits: Limits) -> Iterator[tuple[str, bytes]]:
    if kind == "zip":
        for member in safe_unzip(data, limits=limits):
            yield f"{location}{INSIDE}{member.name}", member.data
    elif kind == "tar":
        for member in safe_untar(data, limits=limits):
            yield f"{location}{INSIDE}{member.name}", member.data
    elif kind == "gzip":
        inner = re.sub(r"(?i)\.t?gz$", "", location.rsplit("/", 1)[-1]) or "data"
        if location.lower().endswith(".tgz"):
            inner += ".tar"
        yield f"{location}{INSIDE}{inner}", safe_gunzip(data, limits=limits)
    else:
        yield from _mail_parts(location, mime.parse_mail(data, limits), limits)


def _mail_parts(location: str, message: Message,
                limits: Limits) -> Iterator[tuple[str, bytes]]:
    """Every leaf part of a mail (decoded), and each attached message as a mail of its own."""
    for number, part in enumerate(mime.walk(message), start=1):
        kind = mime.content_type(part)
        if part is not message and kind.startswith("message/"):
            inner = mime.embedded_message(part, limits)
            if inner is not None:
                yield (f"{location}{INSIDE}part{number}.eml",
                       inner.as_bytes(policy=policy.compat32))
            continue
        if part.is_multipart():
            continue
        name = mime.filename(part) or f"part{number}"
        data = mime.payload_bytes(part, limits)
        if kind.startswith("text/"):
            data = mime.decode_bytes(data, mime.charset(part)).encode("utf-8")
        yield f"{location}{INSIDE}{name}", data
