"""abusedesk: an Acceptable Use Policy desk for service providers."""

__version__ = "0.1.0"
