"""The customer import formats (JSON and CSV): reading them into records.

Both formats are described field by field in docs/customers.md. Reading never stops at
the first bad row: every row that cannot be read becomes a ``RowError`` with its line,
and the rows that can be read become ``CustomerRecord`` values. The fields themselves are
read in ``abusedesk.services.customers_fields``, the same way for both formats. Checks
that need the database or the policy (parents, carriers, clause ids, windows) come later,
in ``abusedesk.services.customers_import``; writing is in
``abusedesk.services.customers_export``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, TypeVar

from abusedesk.domain.customers import Agreement, CustomerKind
from abusedesk.domain.customers_records import CustomerRecord, RowError
from abusedesk.domain.errors import InputLimitExceeded, InvalidInput
from abusedesk.services.customers_fields import (
    agreement_value,
    asset_entry,
    carriers_value,
    consent_value,
    kind_value,
    ref_value,
    representative_value,
    text_value,
)
from abusedesk.services.customers_json import JsonText

FORMAT = "abusedesk-customers/1"
MAX_IMPORT_BYTES = 64 * 1024 * 1024
CSV_COLUMNS = ("ref", "name", "kind", "parent", "rep_name", "rep_email", "rep_phone",
               "rep_verified_at", "carriers", "asset_kind", "asset", "from", "until")
_CUSTOMER_KEYS = {"ref", "name", "kind", "parent", "representative", "carriers", "agreement",
                  "consents", "assets"}
T = TypeVar("T")


def detect_format(name: str, text: str) -> str:
    """"json" or "csv", from the file name, else from the first character."""
    lowered = name.lower()
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith(".csv"):
        return "csv"
    return "json" if text.lstrip().startswith("{") else "csv"


def read_customers(text: str, fmt: str) -> tuple[list[CustomerRecord], list[RowError]]:
    """Records and row errors from an import file's text in format ``fmt``."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_IMPORT_BYTES:
        raise InputLimitExceeded(f"an import file may hold at most {MAX_IMPORT_BYTES} bytes; "
                                 "split it")
    if fmt == "json":
        return _read_json(text)
    if fmt == "csv":
        return _read_csv(text)
    raise InvalidInput(f"unknown import format {fmt!r}: use json or csv")


# ---- JSON -------------------------------------------------------------------------------

def _read_json(text: str) -> tuple[list[CustomerRecord], list[RowError]]:
    document = JsonText(text)
    members, end = document.object_members(0)
    document.check_end(end)
    fields = {key: (start, stop) for key, start, stop in members}
    if "format" in fields and document.value_at(fields["format"][0]) != FORMAT:
        raise InvalidInput(f"line {document.line_at(fields['format'][0])}: format must be "
                           f"{FORMAT!r}")
    if "customers" not in fields or not document.is_array_at(fields["customers"][0]):
        raise InvalidInput(f'line 1: the document needs a "customers" array ("format": "{FORMAT}")')
    records: list[CustomerRecord] = []
    errors: list[RowError] = []
    for start, _ in document.array_elements(fields["customers"][0]):
        line = document.line_at(start)
        if not document.is_object_at(start):
            errors.append(RowError(line, None, "a customer must be a JSON object"))
            continue
        record, record_errors = _json_record(document, start, line)
        errors.extend(record_errors)
        if record is not None and not record_errors:
            records.append(record)
    return records, errors


def _json_record(document: JsonText, start: int,
                 line: int) -> tuple[CustomerRecord | None, list[RowError]]:
    members, _ = document.object_members(start)
    starts = {key: value_start for key, value_start, _ in members}
    raw = {key: document.value_at(value_start) for key, value_start, _ in members}
    ref = raw.get("ref")
    ref_text = ref if isinstance(ref, str) else None
    errors: list[RowError] = []

    def attempt(path: str, read: Callable[[], T], at: int | None = None) -> T | None:
        try:
            return read()
        except InvalidInput as error:
            errors.append(RowError(at or line, ref_text, f"{path}: {error}"))
            return None

    def each(part: str, read: Callable[[Any, int], T]) -> list[T]:
        """The readable items of the list ``part``; each bad one is an error on its line."""
        if not isinstance(raw[part], list):
            errors.append(RowError(line, ref_text, f"{part}: must be a list"))
            return []
        found = []
        for index, item in enumerate(document.located_elements(starts[part])):
            value = attempt(f"{part}[{index}]", partial(read, item.value, item.line), item.line)
            if value is not None:
                found.append(value)
        return found

    unknown = sorted(set(raw) - _CUSTOMER_KEYS)
    if unknown:
        errors.append(RowError(line, ref_text, f"unknown field(s) {', '.join(unknown)}; "
                                               f"known: {', '.join(sorted(_CUSTOMER_KEYS))}"))
    checked_ref = attempt("ref", lambda: ref_value(raw.get("ref"), "ref"))
    name = attempt("name", lambda: text_value(raw.get("name"), required=True))
    if checked_ref is None or name is None:
        return None, errors
    record = CustomerRecord(ref=checked_ref, line=line, name=name)
    if "kind" in raw:
        record.kind = attempt("kind", lambda: kind_value(raw["kind"])) or CustomerKind.CUSTOMER
    if "parent" in raw:
        record.parent = attempt("parent", lambda: None if raw["parent"] is None
                                else ref_value(raw["parent"], "parent"))
    if "representative" in raw:
        record.representative = attempt("representative",
                                        lambda: representative_value(raw["representative"]))
    if "carriers" in raw:
        record.carriers = attempt("carriers", lambda: carriers_value(raw["carriers"])) or ()
    if "agreement" in raw:
        record.agreement = (attempt("agreement", lambda: agreement_value(raw["agreement"]))
                            or Agreement())
    if "consents" in raw:
        record.consents = tuple(each("consents", lambda value, _line: consent_value(value)))
    if "assets" in raw:
        record.assets = each("assets", asset_entry)
    record.given = {part for part in raw if part not in ("ref", "name")}
    return record, errors


# ---- CSV --------------------------------------------------------------------------------

def _read_csv(text: str) -> tuple[list[CustomerRecord], list[RowError]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        raise InvalidInput("line 1: the CSV file is empty; it needs a header line") from None
    except csv.Error as error:
        raise InvalidInput(f"line 1: {error}") from None
    unknown = [column for column in header if column not in CSV_COLUMNS]
    missing = [column for column in ("ref", "name") if column not in header]
    if unknown or missing or len(set(header)) != len(header):
        problems = [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
        problems += [f"missing column(s) {', '.join(missing)}"] if missing else []
        problems += ["a column is named twice"] if len(set(header)) != len(header) else []
        raise InvalidInput(f"line 1: {'; '.join(problems)} (columns: {', '.join(CSV_COLUMNS)})")
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(cells) != len(header):
                    errors.append(RowError(line, None, f"has {len(cells)} cells; the header has "
                                                       f"{len(header)}"))
                else:
                    rows.append((line, {k: v.strip() for k, v in zip(header, cells, strict=True)}))
            line = reader.line_num + 1
    except csv.Error as error:
        errors.append(RowError(line, None, f"unreadable CSV: {error}"))
    records: dict[str, CustomerRecord] = {}
    failed: set[str] = set()
    seen: dict[tuple[str, str], tuple[object, int]] = {}
    for line, row in rows:
        problem = _csv_row(line, row, header, records, seen)
        if problem is not None:
            errors.append(problem)
            if problem.ref:
                failed.add(problem.ref)
    return [r for ref, r in records.items() if ref not in failed], errors


def _csv_row(line: int, row: Mapping[str, str], header: list[str],
             records: dict[str, CustomerRecord],
             seen: dict[tuple[str, str], tuple[object, int]]) -> RowError | None:
    ref_text = row.get("ref") or None
    try:
        ref = ref_value(row["ref"], "ref")
        record = records.get(ref)
        if record is None:
            record = records[ref] = CustomerRecord(
                ref=ref, line=line, name=text_value(row["name"], required=True))
            record.given = _csv_parts(header)
        elif row["name"] and row["name"] != record.name:
            raise InvalidInput(f"name {row['name']!r} differs from line {record.line}")
        _csv_customer_fields(record, row, line, seen)
        if row.get("asset"):
            record.assets.append(asset_entry({"value": row["asset"], "kind": row.get("asset_kind"),
                                              "from": row.get("from"),
                                              "until": row.get("until")}, line))
        elif row.get("asset_kind") or row.get("from") or row.get("until"):
            raise InvalidInput("asset_kind, from and until need an asset")
    except InvalidInput as error:
        return RowError(line, ref_text, str(error))
    return None


def _csv_parts(header: list[str]) -> set[str]:
    parts: set[str] = {column for column in ("kind", "parent", "carriers") if column in header}
    if any(column.startswith("rep_") for column in header):
        parts.add("representative")
    if "asset" in header:
        parts.add("assets")
    return parts


def _csv_customer_fields(record: CustomerRecord, row: Mapping[str, str], line: int,
                         seen: dict[tuple[str, str], tuple[object, int]]) -> None:
    """Fill customer-level fields; a later line may repeat them or leave them empty, but
    may not contradict an earlier line."""
    def settle(column: str, value: object) -> None:
        earlier = seen.setdefault((record.ref, column), (value, line))
        if earlier[0] != value:
            raise InvalidInput(f"{column} {row[column]!r} differs from line {earlier[1]}")

    if row.get("kind"):
        record.kind = kind_value(row["kind"])
        settle("kind", record.kind)
    if row.get("parent"):
        record.parent = ref_value(row["parent"], "parent")
        settle("parent", record.parent)
    if row.get("carriers"):
        record.carriers = carriers_value(re.split(r"[\s,;]+", row["carriers"]))
        settle("carriers", record.carriers)
    if any(row.get(c) for c in ("rep_name", "rep_email", "rep_phone", "rep_verified_at")):
        record.representative = representative_value({
            "name": row.get("rep_name") or None, "email": row.get("rep_email") or None,
            "phone": row.get("rep_phone") or None,
            "verified_at": row.get("rep_verified_at") or None})
        settle("rep_email", record.representative)
