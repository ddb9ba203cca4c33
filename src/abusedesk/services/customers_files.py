"""The customer import formats (JSON and CSV): reading them into records, and writing them.

Both formats are described field by field in docs/customers.md. Reading never stops at
the first bad row: every row that cannot be read becomes a ``RowError`` with its line,
and the rows that can be read become ``CustomerRecord`` values. Checks that need the
database or the policy (parents, carriers, clause ids, windows) come later, in
``abusedesk.services.customers_import``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from abusedesk.domain.customers import (
    Agreement,
    Asset,
    AssetKind,
    ClauseTerms,
    Consent,
    Customer,
    CustomerKind,
    Representative,
)
from abusedesk.domain.customers_records import AssetEntry, CustomerRecord, RowError
from abusedesk.domain.customers_values import (
    format_deadline,
    format_time,
    guess_asset_kind,
    normalise_asset,
    normalise_email,
    normalise_scope_entry,
    normalise_slug,
    parse_deadline,
    parse_ladder,
    parse_time,
)
from abusedesk.domain.errors import InputLimitExceeded, InvalidInput
from abusedesk.services.customers_json import JsonText

FORMAT = "abusedesk-customers/1"
MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_TEXT = 500
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$")
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

    unknown = sorted(set(raw) - _CUSTOMER_KEYS)
    if unknown:
        errors.append(RowError(line, ref_text, f"unknown field(s) {', '.join(unknown)}; "
                                               f"known: {', '.join(sorted(_CUSTOMER_KEYS))}"))
    checked_ref = attempt("ref", lambda: _ref(raw.get("ref"), "ref"))
    name = attempt("name", lambda: _text(raw.get("name"), required=True))
    if checked_ref is None or name is None:
        return None, errors
    record = CustomerRecord(ref=checked_ref, line=line, name=name, lines=[line])
    if "kind" in raw:
        record.kind = attempt("kind", lambda: _kind(raw["kind"])) or CustomerKind.CUSTOMER
    if "parent" in raw:
        record.parent = attempt("parent", lambda: None if raw["parent"] is None
                                else _ref(raw["parent"], "parent"))
    if "representative" in raw:
        record.representative = attempt("representative",
                                        lambda: _representative(raw["representative"]))
    if "carriers" in raw:
        record.carriers = attempt("carriers", lambda: _carriers(raw["carriers"])) or ()
    if "agreement" in raw:
        record.agreement = attempt("agreement", lambda: _agreement(raw["agreement"])) or Agreement()
    if "consents" in raw:
        consents = []
        if not isinstance(raw["consents"], list):
            errors.append(RowError(line, ref_text, "consents: must be a list"))
        else:
            for index, item in enumerate(document.located_elements(starts["consents"])):
                consent = attempt(f"consents[{index}]", partial(_consent, item.value), item.line)
                if consent is not None:
                    consents.append(consent)
        record.consents = tuple(consents)
    if "assets" in raw:
        if not isinstance(raw["assets"], list):
            errors.append(RowError(line, ref_text, "assets: must be a list"))
        else:
            for index, item in enumerate(document.located_elements(starts["assets"])):
                entry = attempt(f"assets[{index}]", partial(_asset, item.value, item.line),
                                item.line)
                if entry is not None:
                    record.assets.append(entry)
                    record.lines.append(item.line)
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
        ref = _ref(row["ref"], "ref")
        record = records.get(ref)
        if record is None:
            record = records[ref] = CustomerRecord(ref=ref, line=line, name=_text(row["name"],
                                                                                 required=True))
            record.given = _csv_parts(header)
        elif row["name"] and row["name"] != record.name:
            raise InvalidInput(f"name {row['name']!r} differs from line {record.line}")
        record.lines.append(line)
        _csv_customer_fields(record, row, line, seen)
        if row.get("asset"):
            kind = _asset_kind(row.get("asset_kind") or None, row["asset"])
            record.assets.append(AssetEntry(
                kind, normalise_asset(kind, row["asset"]),
                parse_time(row["from"], "from") if row.get("from") else None,
                parse_time(row["until"], "until") if row.get("until") else None, line))
            _check_window(record.assets[-1])
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
        record.kind = _kind(row["kind"])
        settle("kind", record.kind)
    if row.get("parent"):
        record.parent = _ref(row["parent"], "parent")
        settle("parent", record.parent)
    if row.get("carriers"):
        record.carriers = _carriers(re.split(r"[\s,;]+", row["carriers"]))
        settle("carriers", record.carriers)
    if any(row.get(c) for c in ("rep_name", "rep_email", "rep_phone", "rep_verified_at")):
        record.representative = _representative({
            "name": row.get("rep_name") or None, "email": row.get("rep_email") or None,
            "phone": row.get("rep_phone") or None,
            "verified_at": row.get("rep_verified_at") or None})
        settle("rep_email", record.representative)


# ---- fields -----------------------------------------------------------------------------

def _text(value: Any, *, required: bool = False, what: str = "value") -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput("is required")
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"must be text, not {type(value).__name__}")
    text = value.strip()
    if len(text) > MAX_TEXT or any(ord(char) < 32 for char in text):
        raise InvalidInput(f"{what} must be one line of at most {MAX_TEXT} characters")
    return text


def _ref(value: Any, what: str) -> str:
    text = _text(value, required=True)
    if not _REF.match(text):
        raise InvalidInput(f"{what} {text!r} must be 1-100 letters, digits or . _ : / -")
    return text


def _kind(value: Any) -> CustomerKind:
    try:
        return CustomerKind(_text(value, required=True).lower())
    except ValueError:
        raise InvalidInput(f"{value!r} is not one of: customer, partner") from None


def _representative(value: Any) -> Representative | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput("must be an object with name, email, phone, verified_at")
    unknown = set(value) - {"name", "email", "phone", "verified_at"}
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(sorted(unknown))}")
    email = _text(value.get("email"))
    if not email:
        raise InvalidInput("email is required: notices go there")
    verified = value.get("verified_at")
    return Representative(
        name=_text(value.get("name")) or None,
        email=normalise_email(email),
        phone=_text(value.get("phone")) or None,
        verified_at=parse_time(_text(verified), "verified_at") if verified else None,
    )


def _carriers(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise InvalidInput("must be a list of carrier ids")
    ids = [normalise_slug(_text(item, required=True), "carrier id") for item in value if item]
    return tuple(sorted(set(ids)))


def _agreement(value: Any) -> Agreement:
    if not isinstance(value, dict):
        raise InvalidInput("must be an object with resale_allowed and clauses")
    unknown = set(value) - {"resale_allowed", "clauses"}
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(sorted(unknown))}")
    resale = value.get("resale_allowed", False)
    if not isinstance(resale, bool):
        raise InvalidInput("resale_allowed must be true or false")
    clauses = value.get("clauses", {})
    if not isinstance(clauses, dict):
        raise InvalidInput('clauses must map clause ids to {"deadline": ..., "ladder": [...]}')
    terms = []
    for clause_id, override in sorted(clauses.items()):
        if not isinstance(override, dict) or not override or set(override) - {"deadline", "ladder"}:
            raise InvalidInput(f"clauses.{clause_id} must give a deadline, a ladder or both")
        ladder = override.get("ladder")
        if ladder is not None and not isinstance(ladder, list):
            raise InvalidInput(f"clauses.{clause_id}.ladder must be a list of actions")
        terms.append(ClauseTerms(
            clause_id=_text(clause_id, required=True),
            deadline=parse_deadline(_text(override["deadline"], required=True))
            if override.get("deadline") is not None else None,
            ladder=parse_ladder(ladder) if ladder is not None else None,
        ))
    return Agreement(resale_allowed=resale, clauses=tuple(terms))


def _consent(value: Any) -> Consent:
    if not isinstance(value, dict):
        raise InvalidInput("must be an object")
    known = {"kind", "scope", "from", "until", "granted_by", "document"}
    unknown = set(value) - known
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(sorted(unknown))}")
    scope = value.get("scope")
    if not isinstance(scope, list) or not scope:
        raise InvalidInput("scope must be a non-empty list of prefixes and host names")
    if not value.get("from"):
        raise InvalidInput("from is required: a consent starts on a stated date")
    consent = Consent(
        kind=normalise_slug(_text(value.get("kind"), required=True), "consent kind"),
        scope=tuple(normalise_scope_entry(_text(item, required=True)) for item in scope),
        valid_from=parse_time(_text(value["from"]), "from"),
        valid_until=parse_time(_text(value["until"]), "until") if value.get("until") else None,
        granted_by=_text(value.get("granted_by"), required=True),
        document=_text(value.get("document")) or None,
    )
    if consent.valid_until is not None and consent.valid_until <= consent.valid_from:
        raise InvalidInput("until must be after from")
    return consent


def _asset_kind(kind: str | None, value: str) -> AssetKind:
    if kind is None:
        return guess_asset_kind(value)
    try:
        return AssetKind(kind.strip().lower())
    except ValueError:
        raise InvalidInput(f"asset kind {kind!r} is not one of: "
                           f"{', '.join(k.value for k in AssetKind)}") from None


def _asset(value: Any, line: int) -> AssetEntry:
    if isinstance(value, str):
        value = {"value": value}
    if not isinstance(value, dict):
        raise InvalidInput('must be an object {"value": ..., "kind": ..., "from": ..., '
                           '"until": ...}')
    unknown = set(value) - {"kind", "value", "from", "until"}
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(sorted(unknown))}")
    text = _text(value.get("value"), required=True)
    kind = _asset_kind(_text(value.get("kind")) or None, text)
    entry = AssetEntry(
        kind, normalise_asset(kind, text),
        parse_time(_text(value["from"]), "from") if value.get("from") else None,
        parse_time(_text(value["until"]), "until") if value.get("until") else None, line)
    _check_window(entry)
    return entry


def _check_window(entry: AssetEntry) -> None:
    if (entry.valid_from is not None and entry.valid_until is not None
            and entry.valid_until <= entry.valid_from):
        raise InvalidInput(f"{entry.value}: until must be after from")


# ---- writing ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ExportedCustomer:
    customer: Customer
    parent_ref: str | None
    assets: tuple[Asset, ...]


def write_json(customers: Iterable[ExportedCustomer]) -> str:
    """The JSON import format, complete: importing it again changes nothing."""
    items = []
    for exported in customers:
        customer = exported.customer
        item: dict[str, Any] = {"ref": customer.ref, "name": customer.name,
                                "kind": customer.kind.value, "parent": exported.parent_ref}
        rep = customer.representative
        item["representative"] = None if rep is None else {
            key: val for key, val in (
                ("name", rep.name), ("email", rep.email), ("phone", rep.phone),
                ("verified_at", format_time(rep.verified_at) if rep.verified_at else None))
            if val is not None}
        item["carriers"] = list(customer.carriers)
        item["agreement"] = {
            "resale_allowed": customer.agreement.resale_allowed,
            "clauses": {t.clause_id: _terms_json(t) for t in customer.agreement.clauses}}
        item["consents"] = [_consent_json(c) for c in customer.consents]
        item["assets"] = [_asset_json(a) for a in exported.assets]
        items.append(item)
    return json.dumps({"format": FORMAT, "customers": items}, indent=2, ensure_ascii=False) + "\n"


def _terms_json(terms: ClauseTerms) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if terms.deadline is not None:
        result["deadline"] = format_deadline(terms.deadline)
    if terms.ladder is not None:
        result["ladder"] = [action.value for action in terms.ladder]
    return result


def _consent_json(consent: Consent) -> dict[str, Any]:
    result: dict[str, Any] = {"kind": consent.kind, "scope": list(consent.scope),
                              "from": format_time(consent.valid_from)}
    if consent.valid_until is not None:
        result["until"] = format_time(consent.valid_until)
    result["granted_by"] = consent.granted_by
    if consent.document:
        result["document"] = consent.document
    return result


def _asset_json(asset: Asset) -> dict[str, Any]:
    result: dict[str, Any] = {"kind": asset.kind.value, "value": asset.value}
    if asset.valid_from is not None:
        result["from"] = format_time(asset.valid_from)
    if asset.valid_until is not None:
        result["until"] = format_time(asset.valid_until)
    return result


def write_csv(customers: Iterable[ExportedCustomer]) -> str:
    """The CSV import format: one line per asset window (agreements and consents are
    JSON-only and left out)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for exported in customers:
        customer, rep = exported.customer, exported.customer.representative
        base = [customer.ref, customer.name, customer.kind.value, exported.parent_ref or "",
                rep.name or "" if rep else "", rep.email if rep else "",
                rep.phone or "" if rep else "",
                format_time(rep.verified_at) if rep and rep.verified_at else "",
                " ".join(customer.carriers)]
        if not exported.assets:
            writer.writerow([*base, "", "", "", ""])
        for asset in exported.assets:
            writer.writerow([*base, asset.kind.value, asset.value,
                             format_time(asset.valid_from) if asset.valid_from else "",
                             format_time(asset.valid_until) if asset.valid_until else ""])
    return out.getvalue()
