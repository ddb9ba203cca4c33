"""fail2ban ban reports (the ``mail-whois`` and ``mail-whois-lines`` actions, and the like).

The banned address is in the subject (``[Fail2Ban] sshd: banned 1.2.3.4 from host``) or the
body (``The IP 1.2.3.4 has just been banned by Fail2Ban after 5 attempts against sshd``). The
jail names the kind of abuse; fail2ban's purpose being failed logins, an unknown jail reads
as a login attack. The whois output that the action appends is registry boilerplate and is
never read for offenders. The time is the first quoted log line about the address: syslog
lines carry neither year nor zone, so both come from the mail's Date header (the banning
host wrote its logs and its mail in the same zone).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import Message

from abusedesk.parsers import indicators, mime
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.timeparse import header_zone, parse_iso, parse_syslog

FORMAT = "fail2ban"
_SUBJECT = re.compile(r"\[Fail2Ban\]\s*([\w.@-]+)?:?\s*(?:banned|ban)\s+([0-9A-Fa-f:.]+)", re.I)
_BODY_IP = re.compile(r"The IP\s+([0-9A-Fa-f:.]+)\s+has just been banned", re.I)
_BODY_JAIL = re.compile(r"attempts against\s+([\w.@-]+)", re.I)
_MARKER = re.compile(r"banned by Fail2Ban|\[Fail2Ban\]", re.I)

_LOGIN = {
    "ssh",
    "sshd",
    "sasl",
    "auth",
    "login",
    "ftp",
    "vsftpd",
    "proftpd",
    "pure-ftpd",
    "dovecot",
    "courier",
    "imap",
    "pop3",
    "recidive",
    "wordpress",
    "wp",
    "asterisk",
    "sip",
    "freeswitch",
    "xrdp",
    "rdp",
    "mysqld",
    "webmin",
    "roundcube",
    "pam",
    "nginx-http-auth",
    "apache-auth",
    "drupal",
    "joomla",
    "guacamole",
    "openvpn",
}
_WEB = {
    "badbots",
    "botsearch",
    "noscript",
    "overflows",
    "nohome",
    "shellshock",
    "fopen",
    "apache-badbots",
    "nginx-botsearch",
    "modsecurity",
    "php-url-fopen",
    "4xx",
}
_SPAM = {"postfix", "sendmail", "exim", "spam", "postscreen", "rbl"}


def jail_pair(jail: str | None) -> tuple[str, str]:
    """The kind of abuse a jail name stands for; a login attack when not known."""
    tokens = set(re.split(r"[-_.@]+", (jail or "").lower())) | {(jail or "").lower()}
    if tokens & _LOGIN:
        return ("connection", "login_attack")
    if tokens & _WEB:
        return ("connection", "vulnerability_scan")
    if tokens & {"ddos", "limit-req", "req-limit", "dos"}:
        return ("connection", "ddos")
    if tokens & {"portscan", "portsentry", "scan"}:
        return ("connection", "port_scan")
    if tokens & _SPAM:
        return ("messaging", "spam")
    return ("connection", "login_attack")


def parse(message: Message, ctx: Context) -> ParseResult | None:
    """Read a fail2ban report, or return None when ``message`` is none."""
    body = "\n".join(
        mime.text_of(p, ctx.limits)
        for p in mime.walk(message)
        if mime.content_type(p) == "text/plain"
    )
    subject = ctx.subject or ""
    if not (_MARKER.search(subject) or _MARKER.search(body[:4096])):
        return None
    subject_match = _SUBJECT.search(subject)
    body_ip = _BODY_IP.search(body)
    address = (body_ip.group(1) if body_ip else None) or (
        subject_match.group(2) if subject_match else None
    )
    ip = indicators.offender_ip(address)
    jail_match = _BODY_JAIL.search(body)
    jail = (jail_match.group(1) if jail_match else None) or (
        subject_match.group(1) if subject_match else None
    )
    time, field = _first_log_time(body, address, ctx)
    event = ctx.event(
        *jail_pair(jail),
        ip=ip,
        time=time,
        time_field=field,
        report_id=mime.header(message, "Message-ID"),
        evidence="fail2ban report",
        details={"jail": jail},
    )
    return ParseResult(
        FORMAT, (event,) if event else (), reporter=ctx.reporter, subject=ctx.subject
    )


def _first_log_time(
    body: str, address: str | None, ctx: Context
) -> tuple[datetime | None, str | None]:
    if not address:
        return None, None
    zone = header_zone(ctx.mail_date_header)
    for line in body.splitlines():
        if address not in line or indicators.is_whois_line(line):
            continue
        if ctx.mail_date is not None:
            moment = parse_syslog(line, reference=ctx.mail_date, zone=zone)
            if moment is not None:
                return moment, "log line (year and zone of the Date header)"
        moment = (
            # Without a zone in the Date header the time is UTC, as everywhere else; never
            # the zone of the host that happens to run the parser.
            parse_iso(line, default_zone=zone or UTC)
            if re.search(r"\d{4}-\d{2}-\d{2}[ T]\d", line)
            else None
        )
        if moment is not None:
            return moment, "log line"
    return None, None
