"""``python -m abusedesk`` is the ``abusedesk`` command."""

from abusedesk.interfaces.cli.main import run

run()
