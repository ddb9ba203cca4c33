"""The one place that wires adapters into services.

``Container`` holds what a process needs: settings, the database engine and sessions, the
clock, the job queue, and units of work. ``open_container`` builds it; in embedded mode
(SQLite) it also brings the schema up to date and installs the built-in policy, so a new
user's first command just works. On PostgreSQL that is ``abusedesk db upgrade``'s job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from abusedesk.adapters.db import migrate
from abusedesk.adapters.db.engine import create_database_engine, session_factory
from abusedesk.adapters.db.uow import SqlUnitOfWork
from abusedesk.adapters.dns.dnsbl_resolver import UdpBlocklistResolver
from abusedesk.adapters.dns.zone_file import load_zones
from abusedesk.adapters.enforcement.registry import executors_from_settings
from abusedesk.adapters.queue.base import TransactionalQueue
from abusedesk.adapters.queue.embedded import EmbeddedQueue, EmbeddedTask, EmbeddedWorker
from abusedesk.adapters.queue.procrastinate_queue import ProcrastinateQueue
from abusedesk.adapters.scanning.clamscan import ClamscanEngine, find_clamscan
from abusedesk.config import Settings, load_settings
from abusedesk.domain.clock import Clock, SystemClock
from abusedesk.domain.errors import ConfigurationError
from abusedesk.parsers.limits import DEFAULT_LIMITS
from abusedesk.scanning.engines import SignatureEngine
from abusedesk.scanning.scan import Scanner
from abusedesk.scanning.yara_rules import YaraEngine
from abusedesk.services.blocklist_evidence import Reporter
from abusedesk.services.blocklist_monitor import BlocklistMonitor
from abusedesk.services.bulk import BulkService
from abusedesk.services.bulk_optin import OptInService
from abusedesk.services.customers import CustomerService
from abusedesk.services.intake import IntakeService
from abusedesk.services.policies import PolicyService
from abusedesk.services.resolution import ResolutionService
from abusedesk.services.scanning import ScanCases

T = TypeVar("T")


@dataclass
class Container:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    queue: TransactionalQueue
    _cache: dict[str, Any] = field(default_factory=dict)

    def uow(self) -> SqlUnitOfWork:
        """A new unit of work (one transaction)."""
        return SqlUnitOfWork(self.sessions, self.queue)

    def cached(self, key: str, build: Callable[[], T]) -> T:
        """The object this process keeps under ``key``, built by ``build`` on first use.

        For services that hold state worth keeping (an in-memory index, parsed templates).
        """
        if key not in self._cache:
            self._cache[key] = build()
        value: T = self._cache[key]
        return value

    @property
    def policies(self) -> PolicyService:
        return PolicyService(self.uow, self.clock)

    @property
    def resolver(self) -> ResolutionService:
        """The one resolver of this process: its in-memory index is built once and kept."""
        return self.cached("resolver", lambda: ResolutionService(self.uow))

    @property
    def intake(self) -> IntakeService:
        """Accepting complaints from any channel, with the configured size limit."""
        return IntakeService(self.uow, self.clock,
                             max_message_bytes=self.settings.max_message_bytes)

    @property
    def customers(self) -> CustomerService:
        return CustomerService(self.uow, self.clock, self.policies,
                               on_change=self.resolver.invalidate)

    @property
    def blocklists(self) -> BlocklistMonitor:
        """Blocklist checks and sweeps over the zones of ``blocklist_zones_file``."""
        return BlocklistMonitor(
            self.uow, self.clock, load_zones(self.settings.blocklist_zones_file),
            resolver_factory=UdpBlocklistResolver, resolver=self.resolver,
            policy_at=lambda moment: self.policies.in_force(moment).stored,
            reporter=Reporter("abusedesk blocklist monitor", self.settings.mail_from))

    @property
    def scan_cases(self) -> ScanCases:
        """Scan findings into complaints on the ``scan`` channel (docs/scanning.md)."""
        return ScanCases(self.uow, self.intake, self.customers, reporter=self.settings.mail_from)

    @property
    def bulk(self) -> BulkService:
        """No-send lists and affiliate registries (Bulk Emailers)."""
        return BulkService(self.uow, self.clock)

    @property
    def optin(self) -> OptInService:
        """Opt-in evidence requests, timed by the policy's clause bulk-email.1."""
        return OptInService(self.uow, self.clock, promptly=self.settings.promptly_deadline,
                            leads=tuple(self.settings.reminder_leads))

    def close(self) -> None:
        self.engine.dispose()


def build_scanner(settings: Settings) -> tuple[Scanner, list[str]]:
    """The content scanner the settings describe, and notes on engines left out.

    YARA always runs (bundled rules plus ``scan_yara_rules_dir``); ClamAV runs when
    ``scan_clamav_database`` is set and ``scan_clamscan`` is installed. No database is
    touched, so a scan without ``--open-cases`` needs no installation.
    """
    engines: list[SignatureEngine] = [YaraEngine(settings.scan_yara_rules_dir)]
    notes: list[str] = []
    if settings.scan_clamav_database is None:
        notes.append("ClamAV not used: ABUSEDESK_SCAN_CLAMAV_DATABASE is not set")
    elif find_clamscan(settings.scan_clamscan) is None:
        notes.append(f"ClamAV not used: {settings.scan_clamscan!r} is not installed "
                     "(apt-get install clamav)")
    else:
        engines.append(ClamscanEngine(settings.scan_clamav_database,
                                      program=settings.scan_clamscan,
                                      timeout=settings.scan_timeout_seconds))
    limits = replace(DEFAULT_LIMITS, max_message_bytes=settings.max_message_bytes)
    return Scanner(engines=tuple(engines), limits=limits), notes


def build_container(settings: Settings | None = None, *, clock: Clock | None = None) -> Container:
    """Wire a container without touching the schema."""
    settings = settings or load_settings()
    engine = create_database_engine(settings.effective_database_url)
    clock = clock or SystemClock()
    queue: TransactionalQueue = (EmbeddedQueue(clock) if settings.is_embedded
                                 else ProcrastinateQueue())
    return Container(settings, engine, session_factory(engine), clock, queue)


def open_container(settings: Settings | None = None, *, clock: Clock | None = None) -> Container:
    """Wire a container and make sure its database is ready to use.

    Embedded (SQLite): migrate to the latest schema and install the built-in policy when
    none is stored. PostgreSQL: refuse to run against an out-of-date schema. The enforcement
    executors are built only when the case services first are, so their setting is checked
    here: a mistake in it stops the process at start, not at its first enforcement.
    """
    settings = settings or load_settings()
    executors_from_settings(settings.enforcement_executors, clock or SystemClock())
    container = build_container(settings, clock=clock)
    if container.settings.is_embedded:
        prepare_database(container)
    elif migrate.current_revision(container.engine) != migrate.head_revision():
        container.close()
        raise ConfigurationError(
            "the PostgreSQL schema is not up to date: run `abusedesk db upgrade` first"
        )
    return container


def prepare_database(container: Container) -> list[str]:
    """Migrate to the latest schema; install the built-in policy if no policy is stored.

    Returns what was done, as lines for a user to read.
    """
    done: list[str] = []
    before = migrate.current_revision(container.engine)
    migrate.upgrade(container.engine)
    after = migrate.current_revision(container.engine)
    if before != after:
        done.append(f"schema upgraded from {before or 'empty'} to {after}")
    installed = container.policies.install_builtin_if_empty()
    if installed is not None:
        done.append(f"built-in policy {installed.label} loaded and in force from "
                    f"{installed.effective_at:%Y-%m-%d}")
    return done


def embedded_worker(container: Container, tasks: Mapping[str, EmbeddedTask], *,
                    poll_seconds: float = 1.0) -> EmbeddedWorker:
    """The in-process worker of embedded mode, running ``tasks``."""
    if not isinstance(container.queue, EmbeddedQueue):
        raise ConfigurationError("the embedded worker runs only on SQLite; use `abusedesk worker`")
    return EmbeddedWorker(container.sessions, container.queue, tasks, container.clock,
                          poll_seconds=poll_seconds)
