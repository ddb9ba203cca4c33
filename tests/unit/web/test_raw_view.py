"""A complaint prepared for display: text parts as text, everything else as downloads."""

from __future__ import annotations

import pytest

from abusedesk.domain.errors import NotFound
from abusedesk.interfaces.web.raw_view import MAX_SHOWN_CHARS, attachment, raw_view

MAIL = (
    "From: reporter@example.org\r\n"
    "Subject: report\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="x"\r\n\r\n'
    "--x\r\n"
    "Content-Type: text/html; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    "<b>Caf=E9</b><script>alert(1)</script>\r\n"
    "--x\r\n"
    'Content-Type: application/zip; name="evidence.zip"\r\n'
    "Content-Transfer-Encoding: base64\r\n\r\n"
    "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\r\n"
    "--x--\r\n"
).encode("ascii")


def test_html_parts_are_decoded_to_their_source_text_and_files_listed() -> None:
    view = raw_view(MAIL, "message/rfc822")
    assert view.problem is None
    assert [part.content_type for part in view.parts] == ["text/html"]
    assert view.parts[0].text.strip() == "<b>Café</b><script>alert(1)</script>"
    assert [(a.filename, a.content_type, a.size) for a in view.attachments] == [
        ("evidence.zip", "application/zip", 22)]
    assert "Content-Transfer-Encoding: base64" in view.text  # the raw message, as text


def test_an_attachment_is_handed_out_decoded() -> None:
    view = raw_view(MAIL, "message/rfc822")
    name, data = attachment(MAIL, view.attachments[0].index)
    assert name == "evidence.zip" and data.startswith(b"PK\x05\x06")
    with pytest.raises(NotFound):
        attachment(MAIL, 99)


def test_a_mime_bomb_is_shown_raw_with_the_reason() -> None:
    nested = b"MIME-Version: 1.0\r\n" + b"".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
        for i in range(600))
    view = raw_view(nested, "message/rfc822")
    assert view.problem is not None and view.parts == [] and view.attachments == []
    assert view.text.startswith("MIME-Version: 1.0")


def test_big_and_undecodable_bytes_are_cut_and_replaced() -> None:
    data = b"Subject: x\r\n\r\n" + b"\xff" * (MAX_SHOWN_CHARS + 10)
    view = raw_view(data, "message/rfc822")
    assert view.truncated and len(view.text) == MAX_SHOWN_CHARS
    assert "\ufffd" in view.text
    assert raw_view(b'{"a": 1}', "application/json").parts == []
