"""What a parser returns, what it is told, and the builder that turns fields into events.

``ParseResult`` is the one output of ``parse_complaint``; ``ParseOptions`` the knobs a
deployment may turn; ``Context`` carries what every format parser needs to know about the
complaint around the report (reporter, the mail's Date, the time of receipt) and builds
``Event`` values so that the rules for times and offenders live in one place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from abusedesk.domain.clock import as_utc
from abusedesk.domain.events import RSIT_FOR_XARF, XARF_TYPES, Event, IPAddress, TimeSource
from abusedesk.parsers import indicators
from abusedesk.parsers.limits import DEFAULT_LIMITS, Limits


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """Deployment choices for parsing; the defaults are documented in docs/formats.md."""

    #: Keep RFC 5737/3849 documentation addresses found in free text (structured fields
    #: always keep them). On for installations whose customers are numbered there.
    free_text_documentation_ranges: bool = False
    #: Addresses and domains of the provider itself (its abuse@ host, its resolvers) that
    #: free-text extraction must never report.
    own_names: tuple[str, ...] = ()
    limits: Limits = DEFAULT_LIMITS


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The outcome of parsing one complaint.

    ``format`` names the parser that read it (docs/formats.md lists them); ``not_abuse`` is
    true for mail that is no complaint (DMARC aggregate and failure reports, ARF
    ``not-spam``, bounces, automatic replies) and then ``not_abuse_reason`` says why and
    ``events`` is empty.
    """

    format: str
    events: tuple[Event, ...]
    not_abuse: bool = False
    not_abuse_reason: str | None = None
    reporter: str | None = None
    report_id: str | None = None
    subject: str | None = None
    warnings: tuple[str, ...] = ()

    @classmethod
    def not_abuse_for(cls, fmt: str, reason: str, ctx: Context) -> ParseResult:
        """The result for mail in format ``fmt`` that is no complaint, ``reason`` saying why:
        no events, the reporter and subject of the complaint around it."""
        return cls(
            fmt,
            (),
            not_abuse=True,
            not_abuse_reason=reason,
            reporter=ctx.reporter,
            subject=ctx.subject,
        )


@dataclass(slots=True)
class Context:
    """The complaint around a report: who sent it, when, and what to exclude."""

    received_at: datetime
    options: ParseOptions = field(default_factory=ParseOptions)
    reporter: str | None = None  # the complainant's e-mail address
    mail_date: datetime | None = None
    mail_date_header: str | None = None
    subject: str | None = None
    recipients: tuple[str, ...] = ()
    filename: str | None = None
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.received_at = as_utc(self.received_at)

    @property
    def limits(self) -> Limits:
        return self.options.limits

    def fallback_time(self) -> tuple[datetime, TimeSource, str]:
        """The mail's Date when it is sane, else the time of receipt."""
        if self.mail_date is not None:
            return self.mail_date, TimeSource.MAIL_DATE, "Date header"
        return self.received_at, TimeSource.RECEIVED, "received"

    def own_domains(self) -> set[str]:
        """Registered domains that free text must not report: the reporter's and ours."""
        names = set()
        for address in (self.reporter, *self.recipients, *self.options.own_names):
            host = address.rsplit("@", 1)[-1] if address else None
            domain = indicators.registered_domain(host)
            if domain:
                names.add(domain)
        return names

    def event(
        self,
        category: str,
        type_: str,
        *,
        ip: IPAddress | None = None,
        port: int | str | None = None,
        url: str | None = None,
        domain: str | None = None,
        email: str | None = None,
        time: datetime | None = None,
        time_field: str | None = None,
        report_id: str | None = None,
        evidence: str | None = None,
        reporter: str | None = None,
        rsit: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> Event | None:
        """Build one event, or None when it names no offender.

        ``time`` comes from the report (time source REPORT); without it the mail's Date, then
        the time of receipt, are used and the event says so. The category/type pair must be
        XARF v4; a parser bug that breaks this fails loudly here.
        """
        if type_ not in XARF_TYPES.get(category, ()):
            raise ValueError(f"{category}/{type_} is not an XARF v4 pair")
        if ip is not None and indicators.never_offender(ip):
            ip = None
        url = url.strip() if url else None
        domain = indicators.hostname(domain) if domain else None
        if url and domain is None:
            host = indicators.url_host(url)
            domain = indicators.hostname(host) if host else None
            if ip is None and host and indicators.parse_ip(host) is not None:
                ip = indicators.offender_ip(host)
        email = indicators.email_address(email) if email else None
        if ip is None and not url and domain is None and email is None:
            return None
        if time is not None:
            source = TimeSource.REPORT
        else:
            time, source, time_field = self.fallback_time()
        return Event(
            category=category,
            type=type_,
            event_time=as_utc(time),
            time_source=source,
            ip=ip,
            port=_port(port),
            url=url or None,
            domain=domain,
            email=email,
            reporter=reporter or self.reporter,
            report_id=report_id,
            rsit_type=rsit or RSIT_FOR_XARF.get(f"{category}/{type_}"),
            evidence=evidence,
            details={k: str(v) for k, v in (details or {}).items() if v not in (None, "")},
            time_field=time_field,
        )


def _port(value: int | str | None) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().strip("'\"")
    text = re.sub(r"(?i)\s*/\s*(?:tcp|udp|sctp)$", "", text)  # "11211/udp"
    try:
        port = int(text)
    except ValueError:
        return None
    return port if 0 < port < 65536 else None
