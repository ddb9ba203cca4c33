"""Content scanning: PII detectors and malware signatures over files, archives and mail.

Pure code: detectors read text, signature engines read bytes, the walker opens archives and
mail within ``abusedesk.parsers.limits``. Nothing here stores or sends anything; the
``scan`` service turns findings into complaints (docs/scanning.md). A finding never carries
a full card number, IBAN or ID number: values are masked where they are found.
"""
