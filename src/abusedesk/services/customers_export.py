"""Writing customers in the import formats (JSON complete, CSV without agreements).

What is written here reads back through ``abusedesk.services.customers_files`` to the same
customers: an export imported again changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from abusedesk.domain.customers import Asset, ClauseTerms, Consent, Customer
from abusedesk.domain.customers_values import format_deadline, format_time
from abusedesk.services.customers_files import CSV_COLUMNS, FORMAT


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
