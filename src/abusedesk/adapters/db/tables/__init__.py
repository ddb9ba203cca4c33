"""All tables; importing this package fills ``Base.metadata`` for Alembic and tests.

Each area of the product keeps its tables in a module of its own, listed here in
migration order.
"""

from abusedesk.adapters.db.tables import (  # noqa: F401  # noqa: F401  # noqa: F401
    access,  # noqa: F401
    audit,
    blocklists,  # noqa: F401
    bulk,  # noqa: F401
    cases,
    complaints,
    customers,  # noqa: F401
    events,
    jobs,
    policy,
)
from abusedesk.adapters.db.tables.base import Base

metadata = Base.metadata

__all__ = ["Base", "metadata"]
