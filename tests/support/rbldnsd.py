"""Run a real rbldnsd on loopback for tests and benchmarks.

``Rbldnsd`` writes dataset files (ip4set, ip4trie, ip6trie, dnset, acl ...) into a private
directory, starts ``rbldnsd`` in the foreground on 127.0.0.1 and a free UDP port, waits until
it answers, and stops it. rbldnsd refuses to run as root, so as root it drops to the
``rbldns`` user (or ``nobody``) and the data directory is made readable for it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import dns.exception
import dns.message
import dns.query
import dns.rcode

from tests.support.processes import stop_process

RBLDNSD = shutil.which("rbldnsd") or next(
    (path for path in ("/usr/sbin/rbldnsd", "/usr/local/sbin/rbldnsd") if os.access(path, os.X_OK)),
    None,
)
MISSING_REASON = "rbldnsd is not installed (Debian package rbldnsd; .ci/run installs it)"


@dataclass(frozen=True)
class Dataset:
    """One zone served by rbldnsd: its DNS name, dataset type and file lines."""

    zone: str
    kind: str  # ip4set, ip4trie, ip6trie, dnset, acl, generic ...
    lines: Sequence[str] = field(default_factory=tuple)


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that nothing is bound to right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for user in ("rbldns", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return user
    return None


class Rbldnsd:
    """A running rbldnsd; use as a context manager or call ``start`` and ``stop``."""

    def __init__(self, datasets: Sequence[Dataset], host: str = "127.0.0.1") -> None:
        if RBLDNSD is None:
            raise RuntimeError(MISSING_REASON)
        self.datasets = list(datasets)
        self.host = host
        self.port = 0
        self.directory = Path(tempfile.mkdtemp(prefix="abusedesk-rbldnsd-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.directory / "rbldnsd.log"

    @property
    def address(self) -> str:
        """``host:port`` as a zone's ``resolver`` setting takes it."""
        return f"{self.host}:{self.port}"

    def _write(self) -> list[str]:
        self.directory.chmod(0o755)  # the unprivileged rbldnsd user must read the data
        specs: list[str] = []
        for index, dataset in enumerate(self.datasets):
            name = f"{index:02d}-{dataset.kind}.txt"
            path = self.directory / name
            path.write_text("\n".join(dataset.lines) + "\n", encoding="utf-8")
            path.chmod(0o644)
            specs.append(f"{dataset.zone}:{dataset.kind}:{name}")
        return specs

    def start(self, attempts: int = 5) -> Rbldnsd:
        specs = self._write()
        for _ in range(attempts):  # the free port may be taken between probe and bind
            self.port = free_udp_port()
            assert RBLDNSD is not None
            command = [RBLDNSD, "-n", "-b", f"{self.host}/{self.port}", "-w", str(self.directory)]
            if user := _run_as():
                command += ["-u", user]
            command += ["-t", "60", "-c", "0", *specs]
            with self.log.open("wb") as log:
                self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
            if self._wait_ready():
                return self
            self.stop(remove=False)
        raise RuntimeError(f"rbldnsd did not start: {self.log.read_text(errors='replace')}")

    def _wait_ready(self, seconds: float = 10.0) -> bool:
        # rbldnsd answers REFUSED for names outside its zones: any answer means it is up.
        deadline = time.monotonic() + seconds
        probe = dns.message.make_query("version.rbldnsd.invalid", "A")
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            try:
                reply = dns.query.udp(probe, self.host, port=self.port, timeout=0.2)
            except (dns.exception.Timeout, OSError):
                continue
            return reply.rcode() in (dns.rcode.REFUSED, dns.rcode.NXDOMAIN, dns.rcode.NOERROR)
        return False

    def stop(self, remove: bool = True) -> None:
        stop_process(self.process, timeout=5)
        self.process = None
        if remove:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Rbldnsd:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
