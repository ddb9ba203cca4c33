"""The fields of a customer import record, read one at a time from decoded values.

Both import formats end here: a JSON document hands over its decoded values, a CSV line
its cells (``abusedesk.services.customers_files`` puts them in the same shape). Each
reader returns the normal form of its field or raises ``InvalidInput`` saying what is
wrong; the caller adds the line and the field's path.
"""

from __future__ import annotations

import re
from typing import Any

from abusedesk.domain.customers import (
    Agreement,
    AssetKind,
    ClauseTerms,
    Consent,
    CustomerKind,
    Representative,
)
from abusedesk.domain.customers_records import AssetEntry
from abusedesk.domain.customers_values import (
    guess_asset_kind,
    normalise_asset,
    normalise_email,
    normalise_scope_entry,
    normalise_slug,
    parse_deadline,
    parse_ladder,
    parse_time,
)
from abusedesk.domain.errors import InvalidInput

MAX_TEXT = 500
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$")


def text_value(value: Any, *, required: bool = False, what: str = "value") -> str:
    """One line of text of at most ``MAX_TEXT`` characters, stripped; "" when absent."""
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


def ref_value(value: Any, what: str) -> str:
    """A customer's ref (its own, or its parent's)."""
    text = text_value(value, required=True)
    if not _REF.match(text):
        raise InvalidInput(f"{what} {text!r} must be 1-100 letters, digits or . _ : / -")
    return text


def kind_value(value: Any) -> CustomerKind:
    try:
        return CustomerKind(text_value(value, required=True).lower())
    except ValueError:
        raise InvalidInput(f"{value!r} is not one of: customer, partner") from None


def representative_value(value: Any) -> Representative | None:
    """``{"name", "email", "phone", "verified_at"}``; the e-mail address is required."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput("must be an object with name, email, phone, verified_at")
    _refuse_unknown(value, {"name", "email", "phone", "verified_at"})
    email = text_value(value.get("email"))
    if not email:
        raise InvalidInput("email is required: notices go there")
    verified = value.get("verified_at")
    return Representative(
        name=text_value(value.get("name")) or None,
        email=normalise_email(email),
        phone=text_value(value.get("phone")) or None,
        verified_at=parse_time(text_value(verified), "verified_at") if verified else None,
    )


def carriers_value(value: Any) -> tuple[str, ...]:
    """Carrier ids of the policy, sorted, each once."""
    if not isinstance(value, list):
        raise InvalidInput("must be a list of carrier ids")
    ids = [normalise_slug(text_value(item, required=True), "carrier id") for item in value if item]
    return tuple(sorted(set(ids)))


def agreement_value(value: Any) -> Agreement:
    """``{"resale_allowed": bool, "clauses": {clause id: {"deadline", "ladder"}}}``."""
    if not isinstance(value, dict):
        raise InvalidInput("must be an object with resale_allowed and clauses")
    _refuse_unknown(value, {"resale_allowed", "clauses"})
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
            clause_id=text_value(clause_id, required=True),
            deadline=parse_deadline(text_value(override["deadline"], required=True))
            if override.get("deadline") is not None else None,
            ladder=parse_ladder(ladder) if ladder is not None else None,
        ))
    return Agreement(resale_allowed=resale, clauses=tuple(terms))


def consent_value(value: Any) -> Consent:
    """A written consent: kind, scope, from, until, granted_by, document."""
    if not isinstance(value, dict):
        raise InvalidInput("must be an object")
    _refuse_unknown(value, {"kind", "scope", "from", "until", "granted_by", "document"})
    scope = value.get("scope")
    if not isinstance(scope, list) or not scope:
        raise InvalidInput("scope must be a non-empty list of prefixes and host names")
    if not value.get("from"):
        raise InvalidInput("from is required: a consent starts on a stated date")
    consent = Consent(
        kind=normalise_slug(text_value(value.get("kind"), required=True), "consent kind"),
        scope=tuple(normalise_scope_entry(text_value(item, required=True)) for item in scope),
        valid_from=parse_time(text_value(value["from"]), "from"),
        valid_until=parse_time(text_value(value["until"]), "until") if value.get("until") else None,
        granted_by=text_value(value.get("granted_by"), required=True),
        document=text_value(value.get("document")) or None,
    )
    if consent.valid_until is not None and consent.valid_until <= consent.valid_from:
        raise InvalidInput("until must be after from")
    return consent


def asset_entry(value: Any, line: int) -> AssetEntry:
    """An asset window ``{"value", "kind", "from", "until"}`` (or a bare value) on ``line``;
    without a kind, the value's shape decides it."""
    if isinstance(value, str):
        value = {"value": value}
    if not isinstance(value, dict):
        raise InvalidInput('must be an object {"value": ..., "kind": ..., "from": ..., '
                           '"until": ...}')
    _refuse_unknown(value, {"kind", "value", "from", "until"})
    text = text_value(value.get("value"), required=True)
    kind = _asset_kind(text_value(value.get("kind")) or None, text)
    entry = AssetEntry(
        kind, normalise_asset(kind, text),
        parse_time(text_value(value["from"]), "from") if value.get("from") else None,
        parse_time(text_value(value["until"]), "until") if value.get("until") else None, line)
    if (entry.valid_from is not None and entry.valid_until is not None
            and entry.valid_until <= entry.valid_from):
        raise InvalidInput(f"{entry.value}: until must be after from")
    return entry


def _asset_kind(kind: str | None, value: str) -> AssetKind:
    if kind is None:
        return guess_asset_kind(value)
    try:
        return AssetKind(kind.strip().lower())
    except ValueError:
        raise InvalidInput(f"asset kind {kind!r} is not one of: "
                           f"{', '.join(k.value for k in AssetKind)}") from None


def _refuse_unknown(value: dict[str, Any], known: set[str]) -> None:
    unknown = set(value) - known
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(sorted(unknown))}")
