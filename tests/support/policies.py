"""Small, valid policy files written for tests (a provider's own AUP, not the reference one)."""

from __future__ import annotations

import textwrap


def small_policy_text(version: str = "1.0", *, spam_deadline: str = "promptly",
                      extra_clause: bool = False, key: str = "example-aup") -> str:
    """A two- or three-clause policy of a fictional provider, in the policy file format."""
    text = f"""\
        format: abusedesk-policy/1
        policy:
          key: {key}
          version: "{version}"
          title: Example Hosting AUP
          provider: Example Hosting Ltd
          abuse_contact: abuse@example.net
        clauses:
          - id: spam
            section: Prohibited Conduct
            number: "1"
            title: Spam
            text: Do not send unsolicited bulk e-mail.
            category: spam
            severity: medium
            deadline: {spam_deadline}
            ladder: [warn, suspend, terminate]
            evidence: [complaint-copy]
            maps_from:
              xarf: [messaging/spam]
              rsit: [spam]
          - id: listing
            section: Prohibited Conduct
            number: "2"
            title: Blocklisting
            text: Remedy any blocklisting within 48 hours of notice.
            category: reputation
            severity: high
            deadline: PT48H
            ladder: [warn, block-host, suspend]
            evidence: [blocklist-listing]
            maps_from:
              xarf: [reputation/blocklist]
        not_violations:
          xarf:
            vulnerability/open_service: An open service is a notice, not a breach.
        """
    if extra_clause:
        text = text.rstrip(" ") + """\
        carriers:
          - id: example-carrier
            name: Example Carrier
        """
        text = text.replace("        not_violations:", """\
          - id: scanning
            section: Prohibited Conduct
            number: "3"
            title: Scanning
            text: Do not scan other networks without written consent.
            category: scanning
            severity: medium
            deadline: promptly
            ladder: [warn, suspend]
            evidence: [log-excerpt]
            consent: [scanning]
            maps_from:
              xarf: [connection/port_scan]
        not_violations:""")
    return textwrap.dedent(text)
