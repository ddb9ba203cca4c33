"""What names a value: the words written just before it, and its column's header.

Detectors judge a candidate by its label, not by any text nearby. The label is the last few
words on the value's own line (``card_number=``, ``Tel.``, ``"iban": ``) split into lower-case
words at spaces, punctuation, ``_``, ``-`` and camelCase humps, so "call" is found in
``call me`` and ``call_count`` but not in ``callback`` and "tel" not in ``hotel``; and, in a
delimited table (CSV, TSV, ``;`` or ``|``), the header of the value's column, so the tenth
row of an ``ssn`` column is named as well as the first. Looking back stops at the line's
start or a few dozen characters, so a huge single-line file costs no more per hit.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Characters looked at before a value for its words.
WORDS_BACK = 64
#: Characters looked at along a line for a value's column in a table.
LOOK_BACK = 160
#: Characters of the text's first line read as a table header.
HEADER_CHARS = 4096
_DELIMITERS = (",", ";", "\t", "|")
_COLUMN_NAME = re.compile(r"^[A-Za-z_][\w .#/()-]{0,63}$")
_ADDRESS = re.compile(r"[\w.%+=-]+@[\w.-]+|\w+://\S+")
_LETTER = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")

#: Words that name an identifier, a time or a quantity: a value so named is no card or phone.
ID_WORDS = frozenset({
    "id", "ids", "uid", "gid", "pid", "uuid", "guid", "order", "orders", "invoice", "ref",
    "reference", "tracking", "request", "req", "session", "sid", "trace", "span", "ts",
    "time", "timestamp", "epoch", "created", "updated", "date", "hash", "serial", "sku",
    "ean", "isbn", "version", "count", "size", "bytes", "len", "length", "ms", "timeout",
    "port", "seq", "nonce", "token", "offset", "total", "amount", "price", "qty",
})
#: Words that name a made-up value, whatever else the label says.
FAKE_WORDS = frozenset({"test", "tests", "example", "examples", "sample", "samples", "dummy",
                        "fake", "fixture", "fixtures", "mock"})


def words_of(label: str) -> list[str]:
    """``label`` as lower-case words (``cardNumber_2`` -> card, number); digits, e-mail
    addresses and URLs are values, not names, and give no words."""
    if not _LETTER.search(label):
        return []
    if "@" in label or "://" in label:
        label = _ADDRESS.sub(" ", label)
    return [word.lower() for word in _WORD.findall(label)]


def words_before(text: str, offset: int, *, count: int = 4) -> list[str]:
    """The last ``count`` words before ``offset`` on its line, in order."""
    start = max(0, offset - WORDS_BACK)
    line_start = text.rfind("\n", start, offset) + 1 or start
    return words_of(text[line_start:offset])[-count:]


def table_label(text: str, offset: int) -> list[str] | None:
    """In a delimited table, the header of ``offset``'s column and the words of its field
    before ``offset``; None when the text is no table (or the line is too long to tell)."""
    header_end = text.find("\n", 0, HEADER_CHARS)
    if header_end < 0 or offset <= header_end:
        return None
    table = _table_header(text[:header_end].rstrip("\r"))
    line_start = text.rfind("\n", max(0, offset - LOOK_BACK), offset)
    if table is None or line_start < 0:
        return None
    delimiter, names = table
    line_end = text.find("\n", offset, offset + LOOK_BACK)
    line = text[line_start + 1 : line_end if line_end >= 0 else offset + LOOK_BACK]
    if _field_at(line, delimiter)[0] != len(names) - 1:
        return None  # a line shaped unlike the header: prose, not a row
    column, field_start = _field_at(text[line_start + 1 : offset], delimiter)
    return names[column] + words_of(text[line_start + 1 + field_start : offset])


@lru_cache(maxsize=8)
def _table_header(header: str) -> tuple[str, list[list[str]]] | None:
    """(delimiter, words of each column name) when ``header`` reads as a table's header."""
    delimiter = max(_DELIMITERS, key=header.count)
    names = [name.strip().strip('"') for name in header.split(delimiter)]
    if len(names) < 2 or not all(_COLUMN_NAME.match(name) for name in names):
        return None  # prose or code with a comma in its first line
    return delimiter, [words_of(name) for name in names]


def _field_at(line: str, delimiter: str) -> tuple[int, int]:
    """(index, start) of the field that ``line``'s end is in; quoted delimiters kept."""
    quoted = False
    fields = start = 0
    for position, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            fields += 1
            start = position + 1
    return fields, start


def label(text: str, offset: int, *, count: int = 4) -> list[str]:
    """The words that name the value at ``offset``: in a table its column's header and its
    own field, elsewhere the last ``count`` words before it on its line."""
    in_table = table_label(text, offset)
    return in_table if in_table is not None else words_before(text, offset, count=count)


def names_any(words: list[str], vocabulary: frozenset[str]) -> bool:
    """True when ``words`` hold one of ``vocabulary`` (a word, or two joined by a space)."""
    return not vocabulary.isdisjoint(words) or not vocabulary.isdisjoint(
        f"{first} {second}" for first, second in zip(words, words[1:], strict=False))


def named_as(words: list[str], vocabulary: frozenset[str]) -> bool | None:
    """Whether the label ``words`` names a value as one of ``vocabulary``.

    False when a word names a made-up value (``FAKE_WORDS``); otherwise the naming word
    nearest the value decides: True for a ``vocabulary`` entry, False for an id, time or
    quantity (``ID_WORDS``: ``phone_ids``, ``card order_id``); None when none does.
    """
    if not FAKE_WORDS.isdisjoint(words):
        return False
    for end in range(len(words) - 1, -1, -1):
        word = words[end]
        if word in vocabulary or (end and f"{words[end - 1]} {word}" in vocabulary):
            return True
        if word in ID_WORDS:
            return False
    return None


def mentions_any(text: str, vocabulary: frozenset[str]) -> bool:
    """True when ``text`` holds one of ``vocabulary`` anywhere, in any case: a cheap test
    that lets a detector needing a label word skip a text that has none at all."""
    lowered = text.lower()
    return any(entry in lowered for entry in vocabulary)
