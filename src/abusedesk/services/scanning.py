"""Content scan findings into complaints, and from there into cases like any complaint.

``ScanCases.submit`` stores one XARF report per input and kind of finding (``scan_xarf``)
through the intake on the ``scan`` channel; the processing job then classifies it under the
policy (content.7, content.8), resolves the asset to its customer and opens or joins cases,
exactly as for a complaint from abuse@. ``asset_for`` picks the asset a scan is tied to:
the one given, or a customer's own (a host name first, then a domain, then the first
address of a prefix).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from ipaddress import ip_network

from abusedesk.domain.cases_model import Case
from abusedesk.domain.complaints import Channel, ComplaintStatus, Receipt
from abusedesk.domain.customers import Asset, AssetKind
from abusedesk.domain.errors import InvalidInput, NotFound
from abusedesk.domain.ports import UnitOfWork
from abusedesk.scanning.findings import FindingKind
from abusedesk.scanning.scan import ScanResult
from abusedesk.services.customers import CustomerService
from abusedesk.services.intake import IntakeService
from abusedesk.services.scan_xarf import xarf_report

#: Asset kinds a scan can be tied to, in order of preference.
_PREFERRED = (AssetKind.HOSTNAME, AssetKind.DOMAIN, AssetKind.PREFIX)


@dataclass(frozen=True, slots=True)
class Submitted:
    """One stored scan report: the input, the kind of its findings and the intake receipt."""

    name: str
    kind: FindingKind
    receipt: Receipt


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where a stored scan report stands: the complaint's status and the cases it is in."""

    complaint_id: int
    status: ComplaintStatus
    reason: str | None
    cases: tuple[Case, ...]


def customer_asset(assets: Sequence[Asset], at: datetime) -> str | None:
    """The customer asset a scan is tied to (module docstring), or None."""
    valid = [asset for asset in assets if asset.is_valid_at(at)]
    for kind in _PREFERRED:
        for asset in valid:
            if asset.kind is not kind:
                continue
            if kind is not AssetKind.PREFIX:
                return asset.value
            network = ip_network(asset.value, strict=False)
            return str(next(iter(network.hosts()), network.network_address))
    return None


class ScanCases:
    """Stores scan findings as complaints and reads back what became of them."""

    def __init__(self, uow: Callable[[], UnitOfWork], intake: IntakeService,
                 customers: CustomerService, *, reporter: str) -> None:
        self._uow = uow
        self._intake = intake
        self._customers = customers
        self._reporter = reporter

    def asset_for(self, *, asset: str | None, customer: str | None, at: datetime) -> str:
        """The asset given, or one of ``customer``'s at ``at``; InvalidInput if neither."""
        if asset:
            return asset.strip()
        if not customer:
            raise InvalidInput("--open-cases needs --asset VALUE or --customer REF: the "
                               "findings are tied to the asset the content was found on")
        details = self._customers.details(customer, at=at)
        found = customer_asset(details.assets, at)
        if found is None:
            raise NotFound(f"customer {customer!r} holds no host name, domain or prefix at "
                           f"{at:%Y-%m-%d %H:%M}Z; give the asset with --asset")
        return found

    def submit(self, results: Sequence[ScanResult], *, asset: str,
               at: datetime) -> list[Submitted]:
        """Store a report for each input and kind of finding, in one transaction."""
        pending = []
        for result in results:
            for kind in FindingKind:
                if result.of_kind(kind):
                    document = xarf_report(result, kind, asset=asset, at=at,
                                           reporter=self._reporter)
                    pending.append((result.name, kind, document))
        if not pending:
            return []
        incoming = [self._intake.prepare_xarf(document, channel=Channel.SCAN,
                                              source=f"scan:{name}")
                    for name, _kind, document in pending]
        receipts = self._intake.store(incoming)
        return [Submitted(name, kind, receipt)
                for (name, kind, _doc), receipt in zip(pending, receipts, strict=True)]

    def outcome(self, complaint_id: int) -> Outcome:
        """The complaint's status now, and the cases its events joined."""
        with self._uow() as uow:
            record = uow.complaints.get(complaint_id)
            if record is None:
                raise NotFound(f"no complaint {complaint_id}")
            original = record.duplicate_of or complaint_id
            cases = tuple(uow.cases.for_complaint(original))
        return Outcome(complaint_id, record.status, record.reason, cases)
