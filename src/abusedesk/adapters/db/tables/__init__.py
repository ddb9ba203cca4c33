"""All tables; importing this package fills ``Base.metadata`` for Alembic and tests.

Each area of the product keeps its tables in a module of its own, listed here in
migration order.
"""

from abusedesk.adapters.db.tables import jobs, policy  # noqa: F401
from abusedesk.adapters.db.tables.base import Base

metadata = Base.metadata

__all__ = ["Base", "metadata"]
