"""ClamAV through Debian's ``clamscan``, with the signature database the operator names.

abusedesk never runs ``freshclam``: the database (a ``.cvd``/``.cld`` set, or the
operator's own ``.ndb``/``.hdb`` files, a file or a directory) is configured with
``ABUSEDESK_SCAN_CLAMAV_DATABASE`` and kept current by the operator. All items of one input
are written to a private temporary directory and scanned in one run, so the database is
loaded once. Exit codes: 0 clean, 1 found, anything else an error (``ScanError``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from abusedesk.domain.errors import ConfigurationError, ScanError
from abusedesk.scanning.engines import SignatureHit
from abusedesk.scanning.walk import Item

ENGINE = "clamav"
#: Seconds one clamscan run may take (a full official database alone loads in ~20 s).
DEFAULT_TIMEOUT = 300.0

_FOUND = re.compile(r"^(?P<path>.+?): (?P<name>\S+) FOUND$")


def find_clamscan(program: str = "clamscan") -> str | None:
    """The full path of ``program`` when it is installed, else None."""
    return shutil.which(program)


class ClamscanEngine:
    """Runs ``clamscan`` over the items of one input; see the module docstring."""

    name = ENGINE

    def __init__(self, database: Path, *, program: str = "clamscan",
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        found = find_clamscan(program)
        if found is None:
            raise ConfigurationError(f"ClamAV scanning needs {program!r}, which is not "
                                     "installed (apt-get install clamav)")
        if not database.exists():
            raise ConfigurationError(f"the ClamAV database {database} does not exist "
                                     "(ABUSEDESK_SCAN_CLAMAV_DATABASE)")
        self._program = found
        self._database = database
        self._timeout = timeout

    def scan(self, items: Sequence[Item]) -> list[SignatureHit]:
        if not items:
            return []
        with tempfile.TemporaryDirectory(prefix="abusedesk-scan-") as folder:
            root = Path(folder)
            for index, item in enumerate(items):
                (root / f"{index:06d}").write_bytes(item.data)
            output = self._run(root)
        hits = []
        for line in output.splitlines():
            match = _FOUND.match(line.strip())
            if match is None:
                continue
            stem = Path(match.group("path")).name
            if stem.isdigit() and int(stem) < len(items):
                hits.append(SignatureHit(int(stem), ENGINE, match.group("name")))
        return hits

    def _run(self, root: Path) -> str:
        command = [self._program, "--no-summary", "--infected", "--stdout", "--recursive",
                   f"--database={self._database}", str(root)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, errors="replace",
                                  timeout=self._timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ScanError(f"clamscan took longer than {self._timeout:.0f} s") from None
        except OSError as error:
            raise ScanError(f"clamscan could not be started ({error})") from None
        if done.returncode not in (0, 1):
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise ScanError(f"clamscan failed (exit {done.returncode}): "
                            f"{detail[-1] if detail else 'no message'}")
        return done.stdout
