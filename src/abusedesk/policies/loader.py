"""Read a policy file (YAML, format ``abusedesk-policy/1``) into a ``Policy``.

The file is parsed with PyYAML's safe composer so every value keeps its line; a validation
failure raises ``PolicyFileError`` naming the field path and the line. The format is
documented in ``docs/policy.md``.

A policy file may come from anywhere (an operator's upload, a copy passed around), so it is
read as hostile: a size bound, the YAML core schema only (no ``!!python`` or other
application tags), no duplicate keys, and bounds on nesting and on alias expansion so that
a "billion laughs" document fails fast instead of eating memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from abusedesk.domain.errors import PolicyFileError
from abusedesk.domain.events import RSIT_TYPES, XARF_TYPES
from abusedesk.domain.policy import (
    Action,
    Carrier,
    Clause,
    ClauseCategory,
    Deadline,
    DeadlineKind,
    Policy,
    Severity,
)

FORMAT = "abusedesk-policy/1"
MAX_POLICY_BYTES = 2 * 1024 * 1024
#: Deepest nesting a policy file needs is six levels (clauses[i].maps_from.xarf[j]).
MAX_NESTING = 16
#: Values in the document after aliases are expanded; the reference policy has about 1,000.
MAX_VALUES = 50_000
BUILTIN_POLICY = Path(__file__).with_name("reference-aup-2.1.yaml")

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_CLAUSE_ID = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$")
_DURATION = re.compile(r"^P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/]+[^\s]*$")

_CORE = "tag:yaml.org,2002:"
#: Scalar tags built into values; every other tag (``!!python/...``, ``!!binary``, a
#: local ``!thing``) is refused.
_CONSTRUCTED_TAGS = {f"{_CORE}{name}" for name in ("str", "int", "float", "bool", "null")}
#: Implicit tags whose value policy fields only ever use as text ("=", "<<", a date).
_TEXT_TAGS = {f"{_CORE}{name}" for name in ("timestamp", "value", "merge")}
_COLLECTION_TAGS = {f"{_CORE}seq", f"{_CORE}map"}

ALL_XARF_PAIRS: tuple[str, ...] = tuple(
    f"{category}/{type_}" for category, types in XARF_TYPES.items() for type_ in types
)


@dataclass(frozen=True, slots=True)
class _Node:
    """A YAML value with the line (1-based) it started on and its field path.

    ``raw`` is a scalar's text as written, so that ``version: 2.10`` stays "2.10" rather
    than the float 2.1.
    """

    value: Any
    line: int
    path: str
    raw: str | None = None


def load_policy_file(path: Path) -> Policy:
    """Read and validate the policy file at ``path``."""
    return load_policy_text(read_policy_file(path), source=str(path))


def read_policy_file(path: Path) -> str:
    """The text of the policy file at ``path``, not yet validated.

    Unreadable, oversized and non-UTF-8 files raise ``PolicyFileError`` like any other
    invalid file.
    """
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_POLICY_BYTES:
            raise PolicyFileError(f"file is larger than {MAX_POLICY_BYTES} bytes", source=source,
                                  field="(file)", line=None)
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyFileError(f"cannot be read ({exc.strerror or exc})", source=source,
                              field="(file)", line=None) from None
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PolicyFileError("is not UTF-8 text", source=source, field="(file)",
                              line=line) from None
    return text


def builtin_policy_text() -> str:
    return BUILTIN_POLICY.read_text(encoding="utf-8")


def load_builtin_policy() -> Policy:
    """The reference AUP shipped with abusedesk."""
    return load_policy_text(builtin_policy_text(), source=BUILTIN_POLICY.name)


def load_policy_text(text: str, *, source: str = "<policy>") -> Policy:
    """Validate policy file text and return the ``Policy`` it describes."""
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise PolicyFileError(f"file is larger than {MAX_POLICY_BYTES} bytes", source=source,
                              field="(file)", line=None)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PolicyFileError(f"not valid YAML ({getattr(exc, 'problem', exc)})", source=source,
                              field="(file)", line=line) from None
    except RecursionError:
        # PyYAML's composer recurses once per nesting level; a hostile file can exhaust the
        # stack long before the size bound.
        raise PolicyFileError(f"is nested more than {MAX_NESTING} levels deep", source=source,
                              field="(file)", line=None) from None
    if root is None:
        raise PolicyFileError("the file is empty", source=source, field="(file)", line=None)
    return _PolicyReader(source).read(_Tree(source).wrap(root, ""))


def uncovered_report_types(policy: Policy) -> list[str]:
    """Report categories that neither map to a clause nor are declared not a violation."""
    mapped = {f"xarf:{k}" for c in policy.clauses for k in c.xarf}
    mapped |= {f"rsit:{k}" for c in policy.clauses for k in c.rsit}
    known = mapped | set(policy.not_violations)
    wanted = [f"xarf:{pair}" for pair in ALL_XARF_PAIRS] + [f"rsit:{t}" for t in RSIT_TYPES]
    return [key for key in wanted if key not in known]


class _Tree:
    """Turns composed YAML nodes into ``_Node`` values, refusing what a policy never needs."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.values = 0
        self.open: set[int] = set()  # ids of the nodes being wrapped: an alias back is a cycle
        self.constructor = yaml.SafeLoader("")

    def fail(self, node: yaml.Node, path: str, message: str) -> PolicyFileError:
        return PolicyFileError(message, source=self.source, field=path or "(root)",
                               line=node.start_mark.line + 1)

    def tag_refused(self, node: yaml.Node, path: str) -> PolicyFileError:
        return self.fail(node, path, f"YAML tag {node.tag!r} is not allowed in a policy file")

    def wrap(self, node: yaml.Node, path: str, depth: int = 0) -> _Node:
        line = node.start_mark.line + 1
        self.values += 1
        if self.values > MAX_VALUES:
            raise self.fail(node, path, f"the document expands to more than {MAX_VALUES} values "
                                        "(aliases repeated too often)")
        if depth > MAX_NESTING:
            raise self.fail(node, path, f"is nested more than {MAX_NESTING} levels deep")
        if id(node) in self.open:
            raise self.fail(node, path, "is an alias that refers to itself")
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            if node.tag not in _COLLECTION_TAGS:
                raise self.tag_refused(node, path)
            self.open.add(id(node))
            try:
                if isinstance(node, yaml.MappingNode):
                    return _Node(self.mapping(node, path, depth), line, path)
                items = [self.wrap(item, f"{path}[{i}]", depth + 1)
                         for i, item in enumerate(node.value)]
                return _Node(items, line, path)
            finally:
                self.open.discard(id(node))
        return _Node(self.scalar(node, path), line, path, raw=str(node.value))

    def mapping(self, node: yaml.MappingNode, path: str, depth: int) -> dict[str, _Node]:
        result: dict[str, _Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, path, "a key must be plain text, not a list or mapping")
            if key_node.tag not in _CONSTRUCTED_TAGS | _TEXT_TAGS:
                raise self.tag_refused(key_node, path)
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in result:
                # YAML would silently keep the last one; in a policy that hides a mistake.
                raise self.fail(key_node, child, "is given twice")
            result[key] = self.wrap(value_node, child, depth + 1)
        return result

    def scalar(self, node: yaml.Node, path: str) -> Any:
        if node.tag in _TEXT_TAGS:
            return str(node.value)
        if node.tag not in _CONSTRUCTED_TAGS:
            raise self.tag_refused(node, path)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as exc:
            raise self.fail(node, path, f"is not a valid value ({exc})") from None


class _PolicyReader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: _Node, message: str, field: str | None = None) -> PolicyFileError:
        return PolicyFileError(message, source=self.source, field=field or node.path or "(root)",
                               line=node.line)

    # -- typed accessors -------------------------------------------------------------
    def mapping(self, node: _Node) -> dict[str, _Node]:
        if not isinstance(node.value, dict):
            raise self.fail(node, "must be a mapping")
        return node.value

    def sequence(self, node: _Node) -> list[_Node]:
        if not isinstance(node.value, list):
            raise self.fail(node, "must be a list")
        return node.value

    def required(self, parent: _Node, key: str) -> _Node:
        fields = self.mapping(parent)
        if key not in fields:
            path = f"{parent.path}.{key}" if parent.path else key
            raise self.fail(parent, "is required", field=path)
        return fields[key]

    def string(self, node: _Node, *, pattern: re.Pattern[str] | None = None) -> str:
        value = node.value
        if isinstance(value, int | float | bool) and node.raw is not None:
            # A number or yes/no where text is wanted: keep it as written ("2.10", "010").
            value = node.raw
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, "must be a non-empty string")
        if pattern is not None and not pattern.fullmatch(value):
            raise self.fail(node, f"{value!r} does not match {pattern.pattern}")
        return value

    def strings(self, node: _Node) -> tuple[str, ...]:
        return tuple(self.string(item) for item in self.sequence(node))

    def choice(self, node: _Node, enum: type[Any]) -> Any:
        value = self.string(node)
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            raise self.fail(node, f"{value!r} is not one of: {allowed}") from None

    def unknown_keys(self, node: _Node, allowed: set[str]) -> None:
        for key, child in self.mapping(node).items():
            if key not in allowed:
                raise self.fail(child, f"unknown field (allowed: {', '.join(sorted(allowed))})")

    # -- the document ----------------------------------------------------------------
    def read(self, root: _Node) -> Policy:
        # The format first: a file that is not a policy at all should say so, not list fields.
        fmt = self.required(root, "format")
        if self.string(fmt) != FORMAT:
            raise self.fail(fmt, f"must be {FORMAT!r}")
        self.unknown_keys(root, {"format", "policy", "clauses", "carriers", "not_violations"})
        header = self.required(root, "policy")
        self.unknown_keys(header, {"key", "version", "title", "provider", "abuse_contact"})
        contact = self.string(self.required(header, "abuse_contact"), pattern=_EMAIL)
        clauses = tuple(self.clause(n) for n in self.sequence(self.required(root, "clauses")))
        self.unique(self.required(root, "clauses"), [c.id for c in clauses], "clause id")
        fields = self.mapping(root)
        carriers = tuple(self.carrier(n) for n in self.sequence(fields["carriers"])) \
            if "carriers" in fields else ()
        if "carriers" in fields:
            self.unique(fields["carriers"], [c.id for c in carriers], "carrier id")
        mapped = {f"xarf:{k}" for c in clauses for k in c.xarf}
        mapped |= {f"rsit:{k}" for c in clauses for k in c.rsit}
        not_violations = self.not_violations(fields["not_violations"], mapped) \
            if "not_violations" in fields else {}
        return Policy(
            key=self.string(self.required(header, "key"), pattern=_SLUG),
            version=self.string(self.required(header, "version")),
            title=self.string(self.required(header, "title")),
            provider=self.string(self.required(header, "provider")),
            abuse_contact=contact,
            clauses=clauses,
            carriers=carriers,
            not_violations=not_violations,
        )

    def unique(self, node: _Node, values: list[str], what: str) -> None:
        seen: set[str] = set()
        for index, value in enumerate(values):
            if value in seen:
                raise self.fail(self.sequence(node)[index], f"duplicate {what} {value!r}")
            seen.add(value)

    def clause(self, node: _Node) -> Clause:
        self.unknown_keys(node, {
            "id", "section", "number", "title", "text", "category", "severity", "deadline",
            "ladder", "evidence", "maps_from", "restricted", "consent",
        })
        fields = self.mapping(node)
        xarf: tuple[str, ...] = ()
        rsit: tuple[str, ...] = ()
        if "maps_from" in fields:
            xarf, rsit = self.maps_from(fields["maps_from"])
        restricted = fields.get("restricted")
        if restricted is not None and not isinstance(restricted.value, bool):
            raise self.fail(restricted, "must be true or false")
        return Clause(
            id=self.string(self.required(node, "id"), pattern=_CLAUSE_ID),
            section=self.string(self.required(node, "section")),
            number=self.string(self.required(node, "number")),
            title=self.string(self.required(node, "title")),
            text=" ".join(self.string(self.required(node, "text")).split()),
            category=self.choice(self.required(node, "category"), ClauseCategory),
            severity=self.choice(self.required(node, "severity"), Severity),
            deadline=self.deadline(self.required(node, "deadline")),
            ladder=tuple(self.choice(n, Action)
                         for n in self.sequence(self.required(node, "ladder"))),
            evidence=tuple(self.string(n, pattern=_SLUG)
                           for n in self.sequence(self.required(node, "evidence"))),
            xarf=xarf,
            rsit=rsit,
            restricted=bool(restricted.value) if restricted is not None else False,
            consent_kinds=tuple(self.string(n, pattern=_SLUG)
                                for n in self.sequence(fields["consent"]))
            if "consent" in fields else (),
        )

    def deadline(self, node: _Node) -> Deadline:
        value = self.string(node)
        if value in (DeadlineKind.PROMPTLY, DeadlineKind.NONE):
            return Deadline(DeadlineKind(value))
        match = _DURATION.fullmatch(value)
        if match is None or value.endswith(("P", "T")):
            raise self.fail(node, f"{value!r} is not 'promptly', 'none' or an ISO 8601 "
                                  "duration like PT48H")
        parts = {k: int(v) for k, v in match.groupdict().items() if v}
        try:
            duration = timedelta(**parts)
        except OverflowError:
            raise self.fail(node, f"{value!r} is too long a duration") from None
        if duration <= timedelta(0):
            raise self.fail(node, "must be longer than zero")
        return Deadline(DeadlineKind.FIXED, duration)

    def maps_from(self, node: _Node) -> tuple[tuple[str, ...], tuple[str, ...]]:
        self.unknown_keys(node, {"xarf", "rsit"})
        fields = self.mapping(node)
        xarf = self.strings(fields["xarf"]) if "xarf" in fields else ()
        rsit = self.strings(fields["rsit"]) if "rsit" in fields else ()
        for item, value in zip(self.sequence(fields["xarf"]) if xarf else [], xarf, strict=False):
            if value not in ALL_XARF_PAIRS:
                raise self.fail(item, f"{value!r} is not an XARF v4 category/type pair")
        for item, value in zip(self.sequence(fields["rsit"]) if rsit else [], rsit, strict=False):
            if value not in RSIT_TYPES:
                raise self.fail(item, f"{value!r} is not an RSIT classification type")
        return xarf, rsit

    def carrier(self, node: _Node) -> Carrier:
        self.unknown_keys(node, {"id", "name", "url"})
        fields = self.mapping(node)
        return Carrier(
            id=self.string(self.required(node, "id"), pattern=_SLUG),
            name=self.string(self.required(node, "name")),
            url=self.string(fields["url"], pattern=_URL) if "url" in fields else None,
        )

    def not_violations(self, node: _Node, mapped: set[str]) -> dict[str, str]:
        """The declared non-violations, each checked against the clauses' mappings."""
        self.unknown_keys(node, {"xarf", "rsit"})
        result: dict[str, str] = {}
        for vocabulary, child in self.mapping(node).items():
            known = ALL_XARF_PAIRS if vocabulary == "xarf" else RSIT_TYPES
            for key, reason in self.mapping(child).items():
                if key not in known:
                    raise self.fail(reason, f"{key!r} is not a known {vocabulary} type")
                if f"{vocabulary}:{key}" in mapped:
                    raise self.fail(reason, "is mapped to a clause and declared not a violation")
                result[f"{vocabulary}:{key}"] = self.string(reason)
        return result

