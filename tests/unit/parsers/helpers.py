"""Small complaint builders for the parser tests: realistic mails written here, not copied."""

from __future__ import annotations

from datetime import UTC, datetime

from abusedesk.parsers import ParseOptions, ParseResult, parse_complaint

RECEIVED_AT = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def parse(raw: bytes | str, **kwargs: object) -> ParseResult:
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    return parse_complaint(data, received_at=RECEIVED_AT, **kwargs)  # type: ignore[arg-type]


def mail(headers: dict[str, str], body: str) -> str:
    head = "".join(f"{k}: {v}\n" for k, v in headers.items())
    return head + "\n" + body


def arf(
    feedback: str,
    *,
    reported: str | None = None,
    reported_type: str = "message/rfc822",
    human: str = "This is an abuse report.",
    feedback_headers: str = "",
) -> str:
    reported = (
        reported
        if reported is not None
        else (
            "Received: from mx.sender.test (mx.sender.test [198.18.7.7])\n"
            "\tby mx.receiver.test with ESMTP; Tue, 05 Mar 2024 10:00:00 +0000\n"
            "From: seller@sender.test\nSubject: cheap\n\nbuy now\n"
        )
    )
    return (
        "From: fbl@receiver.test\nTo: abuse@provider.test\nDate: Tue, 05 Mar 2024 11:00:00 +0000\n"
        "Subject: FBL report\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="b1"\n\n'
        f"--b1\nContent-Type: text/plain\n\n{human}\n\n"
        f"--b1\nContent-Type: message/feedback-report\n{feedback_headers}\n{feedback}\n\n"
        f"--b1\nContent-Type: {reported_type}\n\n{reported}\n--b1--\n"
    )


OPTIONS_KEEP_DOC = ParseOptions(free_text_documentation_ranges=True)
