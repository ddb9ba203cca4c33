"""Reading blocklist zone lists from TOML: the built-in ``zones.toml`` or an operator's file.

Every mistake is a ``ConfigurationError`` naming the file, the zone and the field; unknown
keys are refused so that a misspelt ``rate_limt`` cannot silently leave a zone unlimited.
The format is documented in docs/blocklists.md.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from abusedesk.adapters.dns.dnsbl_resolver import parse_resolver
from abusedesk.domain.blocklists_targets import TargetKind, entry_label
from abusedesk.domain.blocklists_zones import LOOPBACK, Zone
from abusedesk.domain.errors import ConfigurationError, InvalidInput
from abusedesk.domain.names import normalise_name

BUILTIN_SOURCE = "built-in zones.toml"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
_TUNABLES = {"resolver", "timeout", "attempts", "concurrency", "rate_limit", "fetch_txt"}
_ZONE_KEYS = _TUNABLES | {
    "name", "domain", "kinds", "codes", "bits", "errors", "description",
    "test_listed", "test_unlisted", "enabled",
}


def load_zones(path: Path | None = None) -> list[Zone]:
    """The zones of ``path``, or the built-in list when ``path`` is ``None``."""
    if path is None:
        text = resources.files("abusedesk.adapters.dns").joinpath("zones.toml").read_text("utf-8")
        return parse_zones(text, BUILTIN_SOURCE)
    try:
        text = path.read_text("utf-8")
    except OSError as error:
        raise ConfigurationError(f"blocklist zone file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"blocklist zone file {path}: not UTF-8 text") from None
    return parse_zones(text, str(path))


def parse_zones(text: str, source: str) -> list[Zone]:
    """Parse and validate a zone list; ``source`` names it in error messages."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"{source}: not valid TOML: {error}") from None
    unknown = set(document) - {"defaults", "zones"}
    if unknown:
        raise ConfigurationError(f"{source}: unknown top-level keys: {', '.join(sorted(unknown))}")
    defaults = document.get("defaults", {})
    if not isinstance(defaults, dict) or set(defaults) - _TUNABLES:
        raise ConfigurationError(
            f"{source}: [defaults] may only set {', '.join(sorted(_TUNABLES))}"
        )
    tables = document.get("zones", [])
    if not isinstance(tables, list) or not tables:
        raise ConfigurationError(f"{source}: no [[zones]] defined")
    zones: list[Zone] = []
    for index, table in enumerate(tables, start=1):
        label = f"{source}: zone #{index}"
        if isinstance(table, dict) and isinstance(table.get("name"), str):
            label = f"{source}: zone {table['name']!r}"
        zones.append(_zone({**defaults, **table} if isinstance(table, dict) else table, label))
    names = [zone.name for zone in zones]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigurationError(f"{source}: zone names used twice: {', '.join(duplicates)}")
    return zones


def _zone(table: Any, label: str) -> Zone:
    if not isinstance(table, dict):
        raise ConfigurationError(f"{label}: each [[zones]] entry must be a table")
    unknown = set(table) - _ZONE_KEYS
    if unknown:
        raise ConfigurationError(f"{label}: unknown keys: {', '.join(sorted(unknown))}")
    name = _text(table, "name", label, required=True)
    if not _NAME.match(name):
        raise ConfigurationError(f"{label}: name: use lower-case letters, digits, '.', '_', '-'")
    try:
        domain = normalise_name(_text(table, "domain", label, required=True))
    except InvalidInput as error:
        raise ConfigurationError(f"{label}: domain: {error}") from None
    kinds = _kinds(table.get("kinds"), label)
    resolver = _text(table, "resolver", label) or "system"
    try:
        parse_resolver(resolver)
    except ConfigurationError as error:
        raise ConfigurationError(f"{label}: {error}") from None
    zone = Zone(
        name=name,
        domain=domain,
        kinds=kinds,
        codes=_codes(table.get("codes", {}), label, "codes"),
        bits=_bits(table.get("bits", {}), label),
        errors=_codes(table.get("errors", {}), label, "errors"),
        description=_text(table, "description", label),
        resolver=resolver,
        timeout=_number(table, "timeout", label, 2.0, 0.05, 60.0),
        attempts=int(_number(table, "attempts", label, 2, 1, 10, integer=True)),
        concurrency=int(_number(table, "concurrency", label, 16, 1, 4096, integer=True)),
        rate_limit=_number(table, "rate_limit", label, 0.0, 0.0, 1_000_000.0),
        fetch_txt=_flag(table, "fetch_txt", label, True),
        test_listed=_text(table, "test_listed", label),  # "": the RFC 5782 entry
        test_unlisted=_text(table, "test_unlisted", label),
        enabled=_flag(table, "enabled", label, True),
    )
    for field in ("test_listed", "test_unlisted"):
        try:
            kind, _label = entry_label(getattr(zone, field))
        except InvalidInput as error:
            raise ConfigurationError(f"{label}: {field}: {error}") from None
        if kind not in kinds:
            raise ConfigurationError(
                f"{label}: {field}: a {kind} entry in a zone of {', '.join(sorted(kinds))}"
            )
    return zone


def _kinds(value: Any, label: str) -> frozenset[TargetKind]:
    if not isinstance(value, list) or not value:
        raise ConfigurationError(f"{label}: kinds: a non-empty list of ipv4, ipv6, domain")
    try:
        return frozenset(TargetKind(str(item)) for item in value)
    except ValueError:
        raise ConfigurationError(f"{label}: kinds: only ipv4, ipv6 and domain") from None


def _codes(value: Any, label: str, field: str) -> Mapping[IPv4Address, str]:
    if not isinstance(value, dict):
        raise ConfigurationError(f"{label}: {field}: a table of \"127.0.0.x\" = \"meaning\"")
    codes: dict[IPv4Address, str] = {}
    for key, meaning in value.items():
        try:
            code = IPv4Address(key)
        except ValueError:
            raise ConfigurationError(f"{label}: {field}: {key!r} is not an IPv4 address") from None
        if code not in LOOPBACK:
            raise ConfigurationError(f"{label}: {field}: {key} is outside 127.0.0.0/8 (RFC 5782)")
        if not isinstance(meaning, str) or not meaning.strip():
            raise ConfigurationError(f"{label}: {field}: {key}: the meaning must be a text")
        codes[code] = meaning.strip()
    return codes


def _bits(value: Any, label: str) -> Mapping[int, str]:
    if not isinstance(value, dict):
        raise ConfigurationError(f"{label}: bits: a table of \"8\" = \"meaning\"")
    bits: dict[int, str] = {}
    for key, meaning in value.items():
        if not key.isdigit() or not 1 <= int(key) <= 255:
            raise ConfigurationError(f"{label}: bits: {key!r} is not a bit value 1..255")
        if not isinstance(meaning, str) or not meaning.strip():
            raise ConfigurationError(f"{label}: bits: {key}: the meaning must be a text")
        bits[int(key)] = meaning.strip()
    return bits


def _text(table: dict[str, Any], key: str, label: str, *, required: bool = False) -> str:
    value = table.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ConfigurationError(f"{label}: {key}: {'required ' if required else ''}text expected")
    return value.strip()


def _flag(table: dict[str, Any], key: str, label: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigurationError(f"{label}: {key}: true or false expected")
    return value


def _number(
    table: dict[str, Any],
    key: str,
    label: str,
    default: float,
    low: float,
    high: float,
    *,
    integer: bool = False,
) -> float:
    value = table.get(key, default)
    wrong_type = isinstance(value, bool) or not isinstance(value, int | float)
    if wrong_type or (integer and not isinstance(value, int)):
        expected = "an integer" if integer else "a number"
        raise ConfigurationError(f"{label}: {key}: {expected} expected")
    if not low <= value <= high:
        raise ConfigurationError(f"{label}: {key}: {value} is outside {low:g}..{high:g}")
    return float(value)
