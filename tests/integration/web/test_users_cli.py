"""``abusedesk users`` and ``abusedesk tokens`` as an operator uses them (embedded database)."""

from __future__ import annotations

import re
from pathlib import Path

from abusedesk.bootstrap import open_container
from abusedesk.config import Settings
from abusedesk.interfaces.api.wiring import access_service
from tests.support.cli import abusedesk


def test_the_first_admin_and_tokens_come_from_the_command_line(tmp_path: Path) -> None:
    env = {"ABUSEDESK_DATA_DIR": str(tmp_path / "data")}
    added = abusedesk("users", "add", "Alice", "--role", "admin", "--password-stdin",
                      env=env, stdin=b"a long admin passphrase\n")
    assert added.code == 0, added.stderr
    assert "added alice (admin)" in added.stdout
    generated = abusedesk("users", "add", "bob", "--role", "analyst", "--generate", env=env)
    password = re.search(r"password: (\S+)", generated.stdout)
    assert generated.code == 0 and password
    short = abusedesk("users", "add", "carol", "--role", "analyst", "--password-stdin",
                      env=env, stdin=b"short\n")
    assert short.code == 2 and "at least 12" in short.stderr
    duplicate = abusedesk("users", "add", "ALICE", "--role", "analyst", "--generate", env=env)
    assert duplicate.code == 5 and "already exists" in duplicate.stderr

    made = abusedesk("tokens", "create", "ticket bridge", "--role", "analyst", "--user", "bob",
                     env=env)
    assert made.code == 0, made.stderr
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("adk_")
    above = abusedesk("tokens", "create", "too strong", "--role", "admin", "--user", "bob",
                      env=env)
    assert above.code == 2 and "cannot be admin" in above.stderr
    listed = abusedesk("tokens", "list", env=env)
    assert "ticket bridge" in listed.stdout and secret not in listed.stdout
    assert secret[:12] in listed.stdout  # the prefix tells tokens apart

    container = open_container(Settings(data_dir=tmp_path / "data"))
    try:
        access = access_service(container)
        principal = access.token_principal(secret)
        assert principal is not None and principal.name == "bob"  # acts as bob
        assert access.sign_in("bob", password.group(1), client="cli-test").principal.name == "bob"
    finally:
        container.close()
    revoked = abusedesk("tokens", "revoke", "1", env=env)
    assert revoked.code == 0 and "revoked" in revoked.stdout
    listed = abusedesk("users", "list", env=env)
    assert "alice" in listed.stdout and "bob" in listed.stdout


def test_customer_tokens_name_the_customer_by_ref(tmp_path: Path) -> None:
    env = {"ABUSEDESK_DATA_DIR": str(tmp_path / "data")}
    container = open_container(Settings(data_dir=tmp_path / "data"))
    try:
        container.customers.import_sample()
    finally:
        container.close()
    made = abusedesk("tokens", "create", "Riverbank", "--customer", "P-2001", env=env)
    assert made.code == 0, made.stderr
    assert "partner P-2001" in made.stdout
    neither = abusedesk("tokens", "create", "nobody", env=env)
    assert neither.code == 2 and "either --role" in neither.stderr
