"""The flat YAML of X-ARF reports, read without a YAML engine.

An X-ARF ``report.txt`` is a flat mapping of ``Key: value`` lines. Real senders write it
with quoted scalars (``Date: '2015-05-15 17:03:11-07:00'``), harmless type tags that PyYAML's
safe loader rejects (``!!python/unicode 'http://...'``) and values that are not valid YAML at
all (a URL with ``: `` in it). Reading the flat subset by hand accepts all of these, and it
cannot be made to expand aliases (no billion laughs) or build objects.

Tags are checked: the string tags senders use are accepted, any other tag
(``!!python/object/apply``, ``!!binary``, custom ``!tag``) is hostile or unreadable and the
report is refused with a reason. Anchors and aliases are refused likewise.
"""

from __future__ import annotations

import re

from abusedesk.domain.errors import InputLimitExceeded, ParseError

#: Tags that only say "this is a string".
HARMLESS_TAGS = frozenset(
    {
        "!!str",
        "!!python/unicode",
        "!!python/str",
        "!<tag:yaml.org,2002:str>",
        "tag:yaml.org,2002:str",
        "!!int",
        "!!float",
        "!!timestamp",
        "!!null",
        "!!bool",
    }
)
_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_ .-]{0,80}?)\s*:(?:\s+|$)(.*)$")
_DQ_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/", "r": "\r", "0": "\0"}


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", lambda m: _DQ_ESCAPES.get(m.group(1), m.group(1)), value[1:-1])
    if " #" in value:  # a YAML comment after a plain scalar
        value = value.split(" #", 1)[0].rstrip()
    return value


def _value(raw: str, key: str) -> str:
    value = raw.strip()
    if value.startswith("!"):
        tag, _, rest = value.partition(" ")
        if tag not in HARMLESS_TAGS:
            raise ParseError(
                f"the X-ARF report uses the YAML tag {tag[:60]!r} in {key!r}; "
                "only plain values are accepted"
            )
        value = rest
    if value.startswith(("&", "*")) and re.match(r"^[&*][\w-]+(\s|$)", value):
        raise ParseError(
            f"the X-ARF report uses a YAML anchor or alias in {key!r}; "
            "only plain values are accepted"
        )
    return _unquote(value)


def parse_flat(text: str, *, max_bytes: int) -> dict[str, str]:
    """The ``key -> value`` mapping of a flat YAML document; keys lower-cased.

    Continuation lines (indented) are joined to the value before them; a block scalar
    (``|`` or ``>``) takes the indented lines that follow. Later duplicates of a key are
    ignored (the first wins, as in the reports seen). Lists (``- item``) become one value
    joined by ``, ``.
    """
    if len(text.encode("utf-8", errors="replace")) > max_bytes:
        raise InputLimitExceeded(f"the X-ARF report is larger than {max_bytes} bytes")
    result: dict[str, str] = {}
    current: str | None = None
    block = False
    for raw_line in text.splitlines():
        line = raw_line.rstrip()
        stripped = line.strip()
        if not stripped or stripped in ("---", "...") or stripped.startswith("#"):
            if block and current and not stripped:
                result[current] += "\n"
            continue
        if line[:1] in (" ", "\t") and current is not None:
            if stripped.startswith("- "):
                item = _value(stripped[2:], current)
                result[current] = f"{result[current]}, {item}" if result[current] else item
            else:
                sep = "\n" if block else " "
                result[current] = f"{result[current]}{sep}{stripped}".strip()
            continue
        match = _KEY.match(line)
        if match is None:
            current, block = None, False
            continue
        key = match.group(1).strip().lower()
        raw_value = match.group(2)
        block = raw_value.strip() in ("|", ">", "|-", ">-", "|+", ">+")
        if key in result:
            current = None
            continue
        result[key] = "" if block else _value(raw_value, key)
        current = key
    return result
