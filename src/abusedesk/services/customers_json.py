"""Reading a JSON document while keeping the line each customer and asset starts on.

``json.loads`` forgets positions, and an import report must name lines. This walks the
document with ``JSONDecoder.raw_decode`` one member at a time: the top-level object, its
``customers`` array, each customer object and its ``assets`` and ``consents`` arrays.
Values below that are decoded whole. Positions become 1-based line numbers.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from typing import Any

from abusedesk.domain.errors import InvalidInput

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


@dataclass(frozen=True, slots=True)
class Located:
    """A decoded JSON value and the line it starts on."""

    value: Any
    line: int


class JsonText:
    """A JSON text with line lookup and member-by-member walking."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._newlines = [i for i, char in enumerate(text) if char == "\n"]

    def line_at(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def _skip(self, pos: int) -> int:
        while pos < len(self.text) and self.text[pos] in _WHITESPACE:
            pos += 1
        return pos

    def _expect(self, pos: int, char: str, what: str) -> int:
        pos = self._skip(pos)
        if pos >= len(self.text) or self.text[pos] != char:
            found = repr(self.text[pos]) if pos < len(self.text) else "the end of the file"
            raise InvalidInput(f"line {self.line_at(pos)}: expected {what}, found {found}")
        return pos + 1

    def _decode(self, pos: int) -> tuple[Any, int]:
        try:
            return _DECODER.raw_decode(self.text, pos)
        except json.JSONDecodeError as error:
            raise InvalidInput(f"line {error.lineno} column {error.colno}: {error.msg}") from None
        except RecursionError:
            raise InvalidInput(f"line {self.line_at(pos)}: the JSON is nested too deeply") from None

    def is_object_at(self, pos: int) -> bool:
        pos = self._skip(pos)
        return pos < len(self.text) and self.text[pos] == "{"

    def is_array_at(self, pos: int) -> bool:
        pos = self._skip(pos)
        return pos < len(self.text) and self.text[pos] == "["

    def object_members(self, pos: int) -> tuple[list[tuple[str, int, int]], int]:
        """The members of the object at ``pos``: (key, value start, value end), and the end."""
        pos = self._expect(pos, "{", "an object")
        members: list[tuple[str, int, int]] = []
        pos = self._skip(pos)
        if pos < len(self.text) and self.text[pos] == "}":
            return members, pos + 1
        while True:
            pos = self._skip(pos)
            if pos >= len(self.text) or self.text[pos] != '"':
                raise InvalidInput(f"line {self.line_at(pos)}: expected a member name in quotes")
            key, pos = self._decode(pos)
            pos = self._expect(pos, ":", "':'")
            start = self._skip(pos)
            _, end = self._decode(start)
            members.append((key, start, end))
            pos = self._skip(end)
            if pos < len(self.text) and self.text[pos] == ",":
                pos += 1
                continue
            return members, self._expect(pos, "}", "',' or '}'")

    def array_elements(self, pos: int) -> list[tuple[int, int]]:
        """(start, end) of each element of the array at ``pos``."""
        pos = self._expect(pos, "[", "an array")
        elements: list[tuple[int, int]] = []
        pos = self._skip(pos)
        if pos < len(self.text) and self.text[pos] == "]":
            return elements
        while True:
            start = self._skip(pos)
            _, end = self._decode(start)
            elements.append((start, end))
            pos = self._skip(end)
            if pos < len(self.text) and self.text[pos] == ",":
                pos += 1
                continue
            self._expect(pos, "]", "',' or ']'")
            return elements

    def value_at(self, start: int) -> Any:
        return self._decode(start)[0]

    def located_elements(self, start: int) -> list[Located]:
        """The elements of the array at ``start``, each with its line."""
        return [Located(self.value_at(s), self.line_at(s)) for s, _ in self.array_elements(start)]

    def check_end(self, pos: int) -> None:
        pos = self._skip(pos)
        if pos != len(self.text):
            raise InvalidInput(f"line {self.line_at(pos)}: unexpected text after the document")
