"""Run a real Dovecot IMAP server on loopback for tests.

``Dovecot`` writes a private configuration (plain-text IMAP on 127.0.0.1 and a free port,
one passwd-file user, Maildir storage) into a temporary directory, starts ``dovecot -F``
with it, waits until it greets, and stops it. As root, Dovecot's own unprivileged users
(``dovecot``, ``dovenull``) run its processes and own the mail; otherwise everything runs as
the current user. Nothing outside the temporary directory is read or written.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType

from tests.support.processes import stop_process
from tests.support.smtp import free_tcp_port

DOVECOT = shutil.which("dovecot") or next(
    (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)), None)
MISSING_REASON = "dovecot is not installed (Debian package dovecot-imapd; .ci/run installs it)"


def _identities() -> tuple[str, str, str, int, int]:
    """(internal user, internal group, login user, mail uid, mail gid)."""
    if os.geteuid() == 0:
        internal = pwd.getpwnam("dovecot")
        login = "dovenull"
        pwd.getpwnam(login)
        return ("dovecot", grp.getgrgid(internal.pw_gid).gr_name, login,
                internal.pw_uid, internal.pw_gid)
    me = pwd.getpwuid(os.getuid())
    group = grp.getgrgid(os.getgid()).gr_name
    return me.pw_name, group, me.pw_name, os.getuid(), os.getgid()


class Dovecot:
    """A running Dovecot with one mailbox user; use as a context manager."""

    def __init__(self, user: str = "abuse", password: str = "s3cret-for-tests") -> None:
        if DOVECOT is None:
            raise RuntimeError(MISSING_REASON)
        self.user = user
        self.password = password
        self.host = "127.0.0.1"
        self.port = 0
        self.directory = Path(tempfile.mkdtemp(prefix="abusedesk-dovecot-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.directory / "dovecot.log"

    def _configure(self) -> Path:
        internal_user, internal_group, login_user, uid, gid = _identities()
        for sub in ("run", "state", "home"):
            (self.directory / sub).mkdir()
        home = self.directory / "home" / self.user
        home.mkdir()
        os.chown(home, uid, gid)
        self.directory.chmod(0o755)
        users = self.directory / "users"
        users.write_text(f"{self.user}:{{PLAIN}}{self.password}::::::\n", encoding="utf-8")
        users.chmod(0o644)
        config = self.directory / "dovecot.conf"
        config.write_text(f"""\
protocols = imap
listen = {self.host}
base_dir = {self.directory}/run
state_dir = {self.directory}/state
instance_name = abusedesk-test-{uuid.uuid4().hex[:8]}
log_path = {self.log}
info_log_path = {self.log}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {uid}
last_valid_uid = {uid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {users}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.directory}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
""", encoding="utf-8")
        return config

    def start(self, attempts: int = 5) -> Dovecot:
        for _ in range(attempts):  # the free port may be taken between probe and bind
            self.port = free_tcp_port()
            config = self._configure() if not (self.directory / "dovecot.conf").exists() \
                else self._rewrite_port()
            with (self.directory / "stdout.log").open("wb") as output:
                self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)],
                                                stdout=output, stderr=subprocess.STDOUT)
            if self._wait_ready():
                return self
            self.stop(remove=False)
        raise RuntimeError(f"dovecot did not start: {self._logs()}")

    def _rewrite_port(self) -> Path:
        config = self.directory / "dovecot.conf"
        lines = config.read_text(encoding="utf-8").splitlines()
        at = next(i for i, line in enumerate(lines) if line.strip().startswith("address ="))
        lines[at + 1] = f"    port = {self.port}"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return config

    def _logs(self) -> str:
        parts = [p.read_text(errors="replace") for p in
                 (self.log, self.directory / "stdout.log") if p.exists()]
        return "\n".join(parts)[-3000:]

    def _wait_ready(self, seconds: float = 15.0) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as probe:
                    if probe.recv(100).startswith(b"* OK"):
                        return True
            except OSError:
                time.sleep(0.1)
        return False

    def stop(self, remove: bool = True) -> None:
        stop_process(self.process, timeout=10)
        self.process = None
        if remove:
            shutil.rmtree(self.directory, ignore_errors=True)

    # -- a client for the test's own use -------------------------------------------------
    def client(self) -> imaplib.IMAP4:
        """A logged-in IMAP client with INBOX selected."""
        connection = imaplib.IMAP4(self.host, self.port, timeout=30)
        connection.login(self.user, self.password)
        connection.select("INBOX")
        return connection

    def append(self, raw: bytes, *, seen: bool = False) -> None:
        """Deliver ``raw`` into INBOX as an MTA's local delivery would."""
        connection = self.client()
        try:
            status, data = connection.append("INBOX", "(\\Seen)" if seen else None, None, raw)
            assert status == "OK", data
        finally:
            connection.logout()

    def flags(self) -> dict[bytes, set[str]]:
        """Every message's flags, keyed by the Message-ID header's bytes."""
        connection = self.client()
        try:
            status, data = connection.uid("FETCH", "1:*",
                                          "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            assert status == "OK", data
            found: dict[bytes, set[str]] = {}
            for part in data:
                if not isinstance(part, tuple):
                    continue
                flags = imaplib.ParseFlags(part[0])
                message_id = part[1].split(b":", 1)[1].strip()
                found[message_id] = {f.decode() for f in flags}
            return found
        finally:
            connection.logout()

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
