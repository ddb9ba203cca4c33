"""XML from complaints, parsed with defusedxml and bounded in size and depth.

DTDs, entity declarations and external references are refused outright (billion laughs,
quadratic blow-up, XXE); the reason names what was refused. Helpers read elements by local
name, so namespaced (``urn:ietf:params:xml:ns:iodef-1.0``, ``http://www.acns.net/ACNS``)
and plain documents read alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XMLParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from abusedesk.domain.errors import InputLimitExceeded, ParseError
from abusedesk.parsers.limits import Limits


def parse_xml(data: bytes | str, limits: Limits, what: str) -> Element:
    """The root element of ``data``, or ``ParseError``/``InputLimitExceeded`` with a reason."""
    raw = data.encode("utf-8", errors="replace") if isinstance(data, str) else data
    if len(raw) > limits.max_xml_bytes:
        raise InputLimitExceeded(
            f"{what} is {len(raw)} bytes of XML; the limit is {limits.max_xml_bytes}"
        )
    if re.search(rb"<!DOCTYPE|<!ENTITY", raw[:65536], re.I):
        raise ParseError(
            f"{what} declares a DTD or entities, which are refused (billion laughs, XXE)"
        )
    depth = _depth(raw)
    if depth > limits.max_nesting:
        raise InputLimitExceeded(
            f"{what} nests elements {depth} levels deep; at most {limits.max_nesting}"
        )
    try:
        root: Element = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        return root
    except DefusedXmlException as exc:
        raise ParseError(f"{what} uses a forbidden XML construct ({type(exc).__name__})") from None
    except (XMLParseError, ValueError, RecursionError) as exc:
        raise ParseError(f"{what} is not well-formed XML ({exc})") from None


def _depth(raw: bytes) -> int:
    """Element nesting, estimated from tags without building a tree."""
    depth = deepest = 0
    for match in re.finditer(rb"<(/?)[A-Za-z_][^<>]*?(/?)>", raw):
        if match.group(1):
            depth -= 1
        elif not match.group(2):
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def local(tag: object) -> str:
    """``{namespace}Name`` -> ``Name``."""
    return str(tag).rsplit("}", 1)[-1]


def children(element: Element | None, name: str) -> list[Element]:
    if element is None:
        return []
    return [child for child in element if local(child.tag) == name]


def child(element: Element | None, *path: str) -> Element | None:
    """The first element down ``path`` of local names."""
    current = element
    for name in path:
        found = children(current, name)
        if not found:
            return None
        current = found[0]
    return current


def text(element: Element | None, *path: str) -> str | None:
    """The stripped text at ``path``, or None when absent or empty."""
    found = child(element, *path) if path else element
    if found is None or found.text is None:
        return None
    value = " ".join(found.text.split())
    return value or None


def descendants(element: Element, name: str) -> Iterator[Element]:
    for node in element.iter():
        if local(node.tag) == name:
            yield node
