"""Walking archives and mail within bounds, and YARA/ClamAV signatures over what they hold."""

from __future__ import annotations

import gzip
import io
import shutil
import tarfile
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest

from abusedesk.adapters.scanning.clamscan import ClamscanEngine
from abusedesk.domain.errors import ConfigurationError, ScanError
from abusedesk.parsers.limits import DEFAULT_LIMITS
from abusedesk.scanning.findings import FindingKind
from abusedesk.scanning.scan import Scanner
from abusedesk.scanning.walk import Item, Unscanned, walk
from abusedesk.scanning.yara_rules import YaraEngine
from tests.unit.scanning.samples import CUSTOMER_DUMP, EICAR, zipped

EICAR_MD5 = "44d88612fea8a8f36de82e1278abb02f"


def _tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue())


def _mail_with_attachment(attachment: bytes, filename: str) -> bytes:
    message = EmailMessage()
    message["From"] = "uploader@example.net"
    message["To"] = "files@example.com"
    message["Subject"] = "the export you asked for"
    message.set_content("Card on file: 4916 3000 0012 3454\n")
    message.add_attachment(attachment, maintype="application", subtype="zip",
                           filename=filename)
    return message.as_bytes()


def test_nested_archives_and_mail_are_opened() -> None:
    inner = zipped({"db/customers.csv": CUSTOMER_DUMP})
    data = _tar_gz({"backup/export.zip": inner, "backup/readme.txt": b"nothing here"})
    mail = _mail_with_attachment(data, "backup.tgz")
    found = list(walk("upload.eml", mail, DEFAULT_LIMITS))
    locations = [f.location for f in found if isinstance(f, Item)]
    assert "upload.eml!/backup.tgz!/backup.tar!/backup/export.zip!/db/customers.csv" in locations
    assert not [f for f in found if isinstance(f, Unscanned)]
    result = Scanner().scan("upload.eml", mail)
    cards = [f for f in result.findings if f.detector == "credit-card"]
    assert len(cards) == 4  # one in the mail body, three in the dump
    assert all(f.kind is FindingKind.PRIVATE_DATA for f in result.findings)


def test_a_zip_bomb_is_refused_with_a_reason() -> None:
    bomb = zipped({"zeros.bin": b"\0" * (30 * 1024 * 1024)})  # ~30 KB compressed, 1000:1
    result = Scanner().scan("bomb.zip", bomb)
    assert result.items == 0 and result.findings == ()
    assert "zip bomb" in result.unscanned[0].reason


def test_nesting_deeper_than_the_limit_stops_there() -> None:
    data = CUSTOMER_DUMP
    for level in range(8):
        data = zipped({f"level{level}.zip" if level else "dump.csv": data})
    limits = replace(DEFAULT_LIMITS, max_archive_depth=3)
    result = Scanner(limits=limits).scan("deep.zip", data)
    assert result.findings == ()
    assert "nested deeper than 3 levels" in result.unscanned[0].reason


def test_total_inflation_is_bounded_across_nested_archives() -> None:
    member = b"a" * (150 * 1024)
    inner = zipped({f"part{i}.txt": member for i in range(10)})  # 1.5 MB, ratio within bounds
    limits = replace(DEFAULT_LIMITS, max_inflated_bytes=1024 * 1024)
    result = Scanner(limits=limits).scan("outer.zip", zipped({"inner.zip": inner}))
    assert any("bomb" in u.reason for u in result.unscanned)


def test_corrupt_archives_and_mail_do_not_crash() -> None:
    broken_zip = zipped({"a.txt": b"hello"})[:-30]
    assert Scanner().scan("broken.zip", broken_zip).unscanned
    assert Scanner().scan("broken.gz", b"\x1f\x8b\x08\x00garbage").unscanned
    bomb_mail = b"From: a@example.net\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n"
    bomb_mail += b"--b\nContent-Type: multipart/mixed; boundary=b\n\n" * 600
    result = Scanner().scan("bomb.eml", bomb_mail)
    assert result.unscanned and "mail cannot be opened" in result.unscanned[0].reason


def test_yara_finds_eicar_alone_and_in_an_archive() -> None:
    scanner = Scanner(engines=(YaraEngine(),))
    alone = scanner.scan("eicar.com", EICAR)
    assert [(f.detector, f.masked) for f in alone.findings] == [("yara", "EICAR_Test_File")]
    packed = scanner.scan("files.tgz", _tar_gz({"x/eicar.com": EICAR, "x/ok.txt": b"fine"}))
    assert [(f.masked, f.location) for f in packed.of_kind(FindingKind.MALWARE)] == [
        ("EICAR_Test_File", "files.tgz!/files.tar!/x/eicar.com")]
    assert scanner.scan("clean.txt", b"EICAR is a test file, not " + EICAR[:20]).findings == ()


def test_yara_web_shell_rule_and_a_local_rules_directory(tmp_path: Path) -> None:
    (tmp_path / "local.yar").write_text(
        'rule Example_Marker { strings: $a = "EXAMPLE-MALWARE-MARKER" condition: $a }\n')
    engine = YaraEngine(tmp_path)
    shell = b'<?php if(isset($_POST["c"])) { system($_POST["c"]); } ?>'
    result = Scanner(engines=(engine,), pii=False).scan("up.php", shell)
    assert [f.masked for f in result.findings] == ["PHP_Webshell_Request_Exec"]
    marked = Scanner(engines=(engine,)).scan("m.bin", b"xx EXAMPLE-MALWARE-MARKER xx")
    assert [f.masked for f in marked.findings] == ["Example_Marker"]
    (tmp_path / "broken.yar").write_text("rule Broken { condition: }\n")
    with pytest.raises(ConfigurationError, match="does not compile"):
        YaraEngine(tmp_path)


@pytest.fixture
def eicar_database(tmp_path: Path) -> Path:
    database = tmp_path / "abusedesk-test.hdb"
    database.write_text(f"{EICAR_MD5}:{len(EICAR)}:Abusedesk.Test.EICAR\n")
    return database


@pytest.mark.skipif(shutil.which("clamscan") is None,
                    reason="clamscan is not installed (apt-get install clamav)")
def test_clamav_finds_eicar_alone_and_in_an_archive(eicar_database: Path) -> None:
    scanner = Scanner(engines=(ClamscanEngine(eicar_database),), pii=False)
    alone = scanner.scan("eicar.com", EICAR)
    assert [(f.detector, f.masked) for f in alone.findings] == [
        ("clamav", "Abusedesk.Test.EICAR.UNOFFICIAL")]
    packed = scanner.scan("mail.zip", zipped({"a.txt": b"fine", "dir/eicar.com": EICAR}))
    assert [f.location for f in packed.findings] == ["mail.zip!/dir/eicar.com"]


@pytest.mark.skipif(shutil.which("clamscan") is None,
                    reason="clamscan is not installed (apt-get install clamav)")
def test_a_clamav_failure_is_reported_not_raised(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ndb"
    bad.write_text("this is not a signature\n")
    result = Scanner(engines=(ClamscanEngine(bad),), pii=False).scan("eicar.com", EICAR)
    assert result.findings == () and "clamscan failed" in result.unscanned[0].reason


def test_clamav_misconfiguration_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not installed"):
        ClamscanEngine(tmp_path, program="no-such-clamscan")


class _BrokenEngine:
    name = "broken"

    def scan(self, items: object) -> list[object]:
        raise ScanError("the signature database is missing")


def test_an_engine_failure_is_marked_failed_not_just_unscanned() -> None:
    result = Scanner(engines=(_BrokenEngine(),)).scan("site.zip", zipped({"a.php": b"x"}))
    (part,) = result.unscanned
    assert part.failed and "broken: the signature database is missing" in part.reason
