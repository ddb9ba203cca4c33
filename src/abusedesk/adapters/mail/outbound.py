"""Outbound mail through the configured SMTP relay (``ABUSEDESK_RELAY_*``).

One connection per message: EHLO, STARTTLS when configured, AUTH when a user is set, then
the message built by the caller once the relay has said whether it takes 8-bit data
(``8BITMIME``). The bytes go to the relay as given (``smtplib`` only dot-stuffs them), so
an attached complaint arrives byte for byte. Replies are mapped to ``DeliveryFailed``:
permanent for 5xx answers, transient for 4xx answers and connection trouble.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Sequence

from abusedesk.domain.cases_ports import DeliveryFailed, SentMail


class SmtpRelayMailer:
    def __init__(self, host: str, port: int, *, starttls: bool = False,
                 user: str | None = None, password: str | None = None,
                 timeout: float = 60.0, local_hostname: str | None = None,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.port = port
        self.starttls = starttls
        self.user = user
        self.password = password
        self.timeout = timeout
        self.local_hostname = local_hostname
        self.tls_context = tls_context

    @property
    def name(self) -> str:
        return f"{self.host}:{self.port}"

    def send(self, *, sender: str, recipients: Sequence[str],
             compose: Callable[[bool], bytes]) -> SentMail:
        """Deliver one message; see the module docstring for the failure mapping."""
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout,
                              local_hostname=self.local_hostname) as relay:
                relay.ehlo()
                if self.starttls:
                    relay.starttls(context=self.tls_context or ssl.create_default_context())
                    relay.ehlo()
                if self.user:
                    relay.login(self.user, self.password or "")
                eight_bit = relay.has_extn("8bitmime")
                message = compose(eight_bit)
                options = ["BODY=8BITMIME"] if eight_bit and _has_8bit(message) else []
                code, reply = relay.mail(sender, options)
                if code != 250:
                    raise smtplib.SMTPSenderRefused(code, reply, sender)
                refused = {}
                for recipient in recipients:
                    code, reply = relay.rcpt(recipient)
                    if code not in (250, 251):
                        refused[recipient] = (code, reply)
                if refused:
                    relay.rset()
                    raise smtplib.SMTPRecipientsRefused(refused)
                code, reply = relay.data(message)  # raises SMTPDataError unless 250
                return SentMail(message, f"{self.name} answered {code} {_text(reply)}")
        except DeliveryFailed:
            raise
        except smtplib.SMTPRecipientsRefused as error:
            details = "; ".join(f"{rcpt}: {code} {_text(reply)}"
                                for rcpt, (code, reply) in error.recipients.items())
            raise DeliveryFailed(f"the relay refused {details}", permanent=all(
                code >= 500 for code, _ in error.recipients.values())) from None
        except smtplib.SMTPResponseException as error:
            raise DeliveryFailed(f"the relay {self.name} answered {error.smtp_code} "
                                 f"{_text(error.smtp_error)}",
                                 permanent=error.smtp_code >= 500) from None
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"cannot deliver through {self.name}: {error}",
                                 permanent=False) from None


def _has_8bit(message: bytes) -> bool:
    return any(byte > 0x7F for byte in message)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
