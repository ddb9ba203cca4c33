"""Enforcement executors: how an action reaches the provider's systems.

``webhook`` posts a JSON document signed with HMAC-SHA256 over a timestamp and the body;
``command`` runs a program with arguments passed as a list (never through a shell);
``manual`` records that staff carried the action out by hand. ``registry`` builds the
executor for each action from ``ABUSEDESK_ENFORCEMENT_EXECUTORS``.
"""
