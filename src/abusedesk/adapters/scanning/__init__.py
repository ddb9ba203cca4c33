"""Content scanning's outside world: the ClamAV program and files on disk."""
