"""Taking complaints from a mailbox (IMAP folder, Maildir, mbox, files): store, then mark.

Each message is stored through the intake and only then marked as taken (IMAP ``\\Seen``),
so a crash between the two leaves it unmarked and the next run finds it again; it is then
recognised as the same arrival (same bytes, same source) and only marked. A message that
cannot be stored is left unmarked and reported; the run goes on with the next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from abusedesk.domain.complaints import Channel, MailboxItem, Receipt
from abusedesk.domain.errors import AbuseDeskError, InputLimitExceeded, InvalidInput
from abusedesk.domain.ports import Mailbox
from abusedesk.services.intake import IntakeService

log = logging.getLogger(__name__)


@dataclass
class ImportReport:
    """What one run took from a mailbox."""

    stored: list[int] = field(default_factory=list)  # new originals
    duplicates: list[int] = field(default_factory=list)  # new duplicate records
    already: list[int] = field(default_factory=list)  # arrivals recorded by an earlier run
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, why)

    @property
    def seen(self) -> int:
        return len(self.stored) + len(self.duplicates) + len(self.already) + len(self.failed)

    def count(self, receipt: Receipt) -> None:
        if not receipt.new:
            self.already.append(receipt.complaint_id)
        elif receipt.is_duplicate:
            self.duplicates.append(receipt.complaint_id)
        else:
            self.stored.append(receipt.complaint_id)

    def summary(self) -> str:
        parts = [f"{len(self.stored)} stored", f"{len(self.duplicates)} duplicate(s)"]
        if self.already:
            parts.append(f"{len(self.already)} already stored")
        parts.append(f"{len(self.failed)} failed")
        return ", ".join(parts)


def import_mailbox(mailbox: Mailbox, intake: IntakeService, *, channel: Channel,
                   on_item: Callable[[MailboxItem, Receipt | None], None] | None = None
                   ) -> ImportReport:
    """Store every unseen message of ``mailbox``, marking each only after its commit.

    ``on_item`` is called after each message (with its receipt, or None when it failed),
    for progress bars.
    """
    report = ImportReport()
    for item in mailbox.unseen():
        receipt = _store(item, intake, channel, report)
        if receipt is not None:
            mailbox.mark_seen(item)
        if on_item is not None:
            on_item(item, receipt)
    return report


def _store(item: MailboxItem, intake: IntakeService, channel: Channel,
           report: ImportReport) -> Receipt | None:
    if item.data is None:
        report.failed.append((item.source, item.problem or "unreadable"))
        log.warning("not taken from %s: %s", item.source, item.problem)
        return None
    try:
        receipt = intake.accept_message(item.data, channel=channel,
                                        source=item.source if item.stable else None)
    except (InputLimitExceeded, InvalidInput) as error:
        report.failed.append((item.source, str(error)))
        return None
    except AbuseDeskError as error:  # storage failed: leave it for the next run
        report.failed.append((item.source, str(error)))
        log.error("could not store %s: %s", item.source, error)
        return None
    report.count(receipt)
    return receipt
