"""Bounds on hostile input, and the one safe way to open archives that complaints carry.

Every parser reads attacker-controlled bytes. The numbers here bound memory and time: how big
a complaint may be, how deep its MIME tree, how many parts and headers, how far an archive may
inflate. Hitting a bound raises ``InputLimitExceeded`` with a reason an analyst can read; the
complaint is quarantined, never dropped.

``safe_unzip``, ``safe_gunzip`` and ``safe_untar`` are shared by every parser and scanner that
meets an archive (Shadowserver reports, DMARC aggregate reports, zipped evidence, content
scans): they inflate in bounded chunks and stop at the first byte past a limit, so a zip bomb
costs a few megabytes at most.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
import zlib
from dataclasses import dataclass

from abusedesk.domain.errors import InputLimitExceeded, ParseError


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds applied to one complaint; the defaults suit an abuse@ mailbox."""

    max_message_bytes: int = 25 * 1024 * 1024
    max_header_bytes: int = 512 * 1024  # all header lines of one message or part
    max_header_count: int = 2000
    max_mime_depth: int = 12
    max_mime_parts: int = 500
    max_part_bytes: int = 20 * 1024 * 1024  # one decoded part
    max_text_chars: int = 2 * 1024 * 1024  # text scanned for indicators
    max_archive_members: int = 50
    max_inflated_bytes: int = 64 * 1024 * 1024  # all members of one archive together
    max_inflate_ratio: int = 200  # inflated / compressed, per member
    max_archive_depth: int = 5  # archives inside archives (or mail) opened by a content scan
    max_xml_bytes: int = 8 * 1024 * 1024
    max_json_bytes: int = 8 * 1024 * 1024
    max_yaml_bytes: int = 256 * 1024
    max_events: int = 100_000
    max_nesting: int = 64  # JSON/XML element depth


DEFAULT_LIMITS = Limits()

_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class ArchiveMember:
    """One file taken out of an archive."""

    name: str
    data: bytes


def safe_unzip(
    data: bytes, *, limits: Limits = DEFAULT_LIMITS, suffixes: tuple[str, ...] | None = None
) -> list[ArchiveMember]:
    """Inflate the members of a zip archive within ``limits``.

    Members whose names end with none of ``suffixes`` (case-insensitive) are skipped
    unread. Directories are skipped; encrypted members, unknown compression and corrupt
    archives raise ``ParseError``; a member count, total size or compression ratio past the
    limits raises ``InputLimitExceeded`` before the excess is inflated. The sizes declared
    in the archive are not trusted: bytes are counted as they come out.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ParseError(f"corrupt zip archive ({exc})") from None
    infos = [info for info in archive.infolist() if not info.is_dir()]
    if len(infos) > limits.max_archive_members:
        raise InputLimitExceeded(
            f"zip archive has {len(infos)} members; at most {limits.max_archive_members} are read"
        )
    members: list[ArchiveMember] = []
    total = 0
    for info in infos:
        if suffixes and not info.filename.lower().endswith(tuple(s.lower() for s in suffixes)):
            continue
        if info.flag_bits & 0x1:
            raise ParseError(f"zip member {info.filename!r} is encrypted")
        budget = min(
            limits.max_inflated_bytes - total, max(info.compress_size, 1) * limits.max_inflate_ratio
        )
        out = bytearray()
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    out += chunk
                    if len(out) > budget:
                        raise _archive_limit(info.filename, len(out), info.compress_size, limits)
        except (zipfile.BadZipFile, NotImplementedError, zlib.error, EOFError, OSError) as exc:
            raise ParseError(f"zip member {info.filename!r} cannot be inflated ({exc})") from None
        total += len(out)
        members.append(ArchiveMember(info.filename, bytes(out)))
    return members


def _archive_limit(name: str, produced: int, compressed: int, limits: Limits) -> InputLimitExceeded:
    if produced > compressed * limits.max_inflate_ratio:
        return InputLimitExceeded(
            f"zip member {name!r} inflates more than {limits.max_inflate_ratio} times its "
            f"compressed size ({compressed} bytes); treated as a zip bomb"
        )
    return InputLimitExceeded(
        f"zip archive inflates past {limits.max_inflated_bytes} bytes; treated as a zip bomb"
    )


def safe_gunzip(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Inflate gzip data within the size and ratio limits (DMARC reports come as .gz)."""
    budget = min(limits.max_inflated_bytes, max(len(data), 1) * limits.max_inflate_ratio)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    try:
        view = memoryview(data)
        for start in range(0, len(data), _CHUNK):
            out += inflater.decompress(view[start : start + _CHUNK], budget + 1 - len(out))
            if len(out) > budget or inflater.unconsumed_tail:
                raise InputLimitExceeded(
                    f"gzip data inflates past {budget} bytes "
                    f"({limits.max_inflate_ratio}x its size at most); treated as a bomb"
                )
        out += inflater.flush()
    except zlib.error as exc:
        raise ParseError(f"corrupt gzip data ({exc})") from None
    if len(out) > budget:
        raise InputLimitExceeded(f"gzip data inflates past {budget} bytes; treated as a bomb")
    if not inflater.eof:
        raise ParseError("gzip data is truncated or corrupt (the stream does not end)")
    return bytes(out)


def safe_untar(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> list[ArchiveMember]:
    """The regular files of an uncompressed tar archive, within the member and size limits.

    Only ``r:`` is opened (a compressed tar is gunzipped first, within its own bounds), links
    and devices are skipped, and member bytes are counted as they come out: sparse members
    can declare sizes far beyond the archive's own.
    """
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:")  # noqa: SIM115
    except (tarfile.TarError, ValueError, OSError, EOFError) as exc:
        raise ParseError(f"corrupt tar archive ({exc})") from None
    members: list[ArchiveMember] = []
    total = 0
    with archive:
        try:
            for count, info in enumerate(archive, start=1):
                if count > limits.max_archive_members:
                    raise InputLimitExceeded(
                        f"tar archive has more than {limits.max_archive_members} members"
                    )
                if not info.isfile():
                    continue
                stream = archive.extractfile(info)
                if stream is None:
                    continue
                out = bytearray()
                while chunk := stream.read(_CHUNK):
                    out += chunk
                    if total + len(out) > limits.max_inflated_bytes:
                        raise InputLimitExceeded(
                            f"tar archive holds more than {limits.max_inflated_bytes} bytes; "
                            "treated as a bomb"
                        )
                total += len(out)
                members.append(ArchiveMember(info.name, bytes(out)))
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise ParseError(f"tar archive cannot be read ({exc})") from None
    return members


def looks_like_tar(data: bytes) -> bool:
    """True when ``data`` starts with a POSIX or GNU tar header."""
    return data[257:262] == b"ustar"


def check_size(what: str, size: int, limit: int) -> None:
    """Raise ``InputLimitExceeded`` naming ``what`` when ``size`` passes ``limit``."""
    if size > limit:
        raise InputLimitExceeded(f"{what} is {size} bytes; the limit is {limit}")
