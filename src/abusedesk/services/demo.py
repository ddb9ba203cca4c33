"""``serve --demo``: a working desk in a minute, with fictional sample data.

Loads the sample customers (through the customers service), submits the sample complaints
shipped in ``abusedesk/sample/complaints/`` (through the intake service, each under a stable
source name so a second ``--demo`` run adds nothing), and makes sure a staff user ``demo``
exists with a fresh generated password to print. It also prints a new portal access key of
the sample partner; the key an earlier run made is revoked first (only its hash is stored,
so it cannot be shown again), which leaves one usable demo key however often it runs.
Everything in the samples is fictional: documentation address ranges (RFC 5737, RFC 3849)
and ``example`` domains.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from importlib import resources
from typing import Protocol

from abusedesk.domain.complaints import Channel, Envelope, Receipt
from abusedesk.domain.customers import Customer
from abusedesk.domain.errors import AbuseDeskError, Conflict, NotFound
from abusedesk.services.access import AccessService
from abusedesk.services.access_rules import Role
from abusedesk.services.access_secrets import new_password
from abusedesk.services.customers_import import ImportReport

log = logging.getLogger(__name__)

DEMO_USER = "demo"
#: The sample partner whose access key the demo prints, to try the customer portal with.
DEMO_PARTNER_REF = "P-2001"
#: The name and maker of the demo's portal key: how a rerun finds the old one to revoke.
DEMO_KEY_NAME = "demo portal key"
DEMO_KEY_MAKER = "demo"
SAMPLE_PACKAGE = "abusedesk.sample"
COMPLAINTS_DIR = "complaints"


class CustomersPort(Protocol):
    def import_sample(self) -> ImportReport: ...

    def get(self, ref_or_id: str) -> Customer: ...


class IntakePort(Protocol):
    def accept_message(self, raw: bytes, *, channel: Channel, envelope: Envelope | None = None,
                       source: str | None = None) -> Receipt: ...

    def accept_xarf(self, document: bytes, *, channel: Channel, envelope: Envelope | None = None,
                    source: str | None = None) -> Receipt: ...


@dataclass(frozen=True, slots=True)
class SampleComplaint:
    name: str
    data: bytes

    @property
    def is_xarf(self) -> bool:
        return self.name.endswith(".json")


@dataclass
class DemoReport:
    username: str = DEMO_USER
    password: str = ""
    customers: str = ""
    submitted: list[tuple[str, int, bool]] = field(default_factory=list)  # name, id, new
    portal_key: str | None = None
    portal_customer: str | None = None
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What ``serve --demo`` prints."""
        new = sum(1 for _, _, is_new in self.submitted if is_new)
        out = [f"demo: {self.customers}",
               f"demo: {len(self.submitted)} sample complaints submitted ({new} new)"]
        out += [f"demo: could not {problem}" for problem in self.problems]
        out.append(f"demo: sign in as user '{self.username}' with password '{self.password}'")
        if self.portal_key:
            out.append(f"demo: customer portal (/portal) access key of {self.portal_customer}: "
                       f"{self.portal_key}")
        return out


def sample_complaints() -> list[SampleComplaint]:
    """The fictional sample complaints shipped with abusedesk, in name order."""
    folder = resources.files(SAMPLE_PACKAGE).joinpath(COMPLAINTS_DIR)
    if not folder.is_dir():
        return []
    return [SampleComplaint(entry.name, entry.read_bytes())
            for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.is_file() and entry.name.endswith((".eml", ".json"))]


class DemoService:
    def __init__(self, access: AccessService, customers: CustomersPort, intake: IntakePort, *,
                 complaints: Callable[[], Sequence[SampleComplaint]] = sample_complaints) -> None:
        self._access = access
        self._customers = customers
        self._intake = intake
        self._complaints = complaints

    def run(self) -> DemoReport:
        """Load the samples and prepare the demo user; problems are reported, not raised."""
        report = DemoReport()
        report.customers = self._load_customers(report)
        for sample in self._complaints():
            try:
                receipt = self._submit(sample)
            except AbuseDeskError as error:
                report.problems.append(f"submit {sample.name}: {error}")
                continue
            report.submitted.append((sample.name, receipt.complaint_id, receipt.new))
        report.password = self._demo_user()
        self._portal_key(report)
        return report

    def _portal_key(self, report: DemoReport) -> None:
        try:
            partner = self._customers.get(DEMO_PARTNER_REF)
            self._revoke_earlier_keys(partner.id)
            issued = self._access.create_token(DEMO_KEY_NAME, created_by=DEMO_KEY_MAKER,
                                               customer_id=partner.id)
        except AbuseDeskError as error:
            report.problems.append(f"make a portal key: {error}")
            return
        report.portal_key = issued.secret
        report.portal_customer = f"{partner.name} ({DEMO_PARTNER_REF}, a partner)"

    def _revoke_earlier_keys(self, partner_id: int) -> None:
        """Revoke the portal keys earlier demo runs made (and the sessions opened with them)."""
        for token in self._access.tokens():
            if (token.name == DEMO_KEY_NAME and token.created_by == DEMO_KEY_MAKER
                    and token.customer_id == partner_id and token.revoked_at is None):
                with suppress(Conflict):  # revoked meanwhile by someone else: as good
                    self._access.revoke_token(token.id)

    def _load_customers(self, report: DemoReport) -> str:
        try:
            result = self._customers.import_sample()
        except AbuseDeskError as error:
            report.problems.append(f"load the sample customers: {error}")
            return "sample customers not loaded"
        kept = len(result.unchanged) + len(result.updated)
        return f"sample customers loaded ({len(result.created)} new, {kept} already there)"

    def _submit(self, sample: SampleComplaint) -> Receipt:
        source = f"demo:{sample.name}"
        if sample.is_xarf:
            return self._intake.accept_xarf(sample.data, channel=Channel.API, source=source)
        return self._intake.accept_message(sample.data, channel=Channel.API, source=source)

    def _demo_user(self) -> str:
        password = new_password()
        try:
            self._access.add_user(DEMO_USER, password, Role.ADMIN, display_name="Demo Admin")
        except Conflict:
            try:
                self._access.set_password(DEMO_USER, password)
                self._access.set_disabled(DEMO_USER, False)
            except NotFound:  # removed meanwhile; nothing sensible left to do
                log.warning("the demo user vanished while its password was reset")
        return password
