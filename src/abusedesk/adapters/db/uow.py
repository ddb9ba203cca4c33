"""The SQL unit of work: one session, its repositories, and transactional job enqueueing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from abusedesk.adapters.db.repositories.access import SqlAccessRepository
from abusedesk.adapters.db.repositories.audit import SqlAuditRepository
from abusedesk.adapters.db.repositories.blocklists import SqlBlocklistRepository
from abusedesk.adapters.db.repositories.bulk import SqlBulkRepository
from abusedesk.adapters.db.repositories.cases import SqlCaseRepository
from abusedesk.adapters.db.repositories.cases_enforcement import SqlEnforcementRepository
from abusedesk.adapters.db.repositories.cases_notices import SqlNoticeRepository
from abusedesk.adapters.db.repositories.complaints import SqlComplaintRepository
from abusedesk.adapters.db.repositories.customers import SqlCustomerRepository
from abusedesk.adapters.db.repositories.events import SqlEventRepository
from abusedesk.adapters.db.repositories.policies import SqlPolicyRepository
from abusedesk.adapters.queue.base import TransactionalQueue
from abusedesk.domain.errors import StorageError
from abusedesk.domain.ports import UnitOfWork


class SqlUnitOfWork(UnitOfWork):
    """Open with ``with``; nothing is kept unless ``commit()`` is called.

    It derives from the ``UnitOfWork`` port, so the type checker holds each SQL repository
    assigned below to the Protocol that port declares for it.
    """

    session: Session

    def __init__(self, sessions: sessionmaker[Session], queue: TransactionalQueue) -> None:
        self._sessions = sessions
        self._queue = queue

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self._sessions()
        self.policies = SqlPolicyRepository(self.session)
        self.customers = SqlCustomerRepository(self.session)
        self.access = SqlAccessRepository(self.session)
        self.complaints = SqlComplaintRepository(self.session)
        self.events = SqlEventRepository(self.session)
        self.cases = SqlCaseRepository(self.session)
        self.notices = SqlNoticeRepository(self.session)
        self.enforcement = SqlEnforcementRepository(self.session)
        self.audit = SqlAuditRepository(self.session)
        self.blocklists = SqlBlocklistRepository(self.session)
        self.bulk = SqlBulkRepository(self.session)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def enqueue(self, task: str, args: Mapping[str, Any], *, lock: str | None = None,
                run_at: datetime | None = None) -> None:
        self._queue.enqueue(self.session, task, dict(args), lock=lock, run_at=run_at)

    def commit(self) -> None:
        try:
            self.session.commit()
        except OperationalError as error:
            raise StorageError(f"the database refused the commit: {error.orig}") from error
        self._queue.committed()

    def rollback(self) -> None:
        self.session.rollback()
