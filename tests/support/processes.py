"""Stopping the servers tests start: politely first, then for sure."""

from __future__ import annotations

import signal
import subprocess


def stop_process(process: subprocess.Popen | None, *, timeout: float = 30,  # type: ignore[type-arg]
                 signum: int = signal.SIGTERM) -> None:
    """Send ``signum``, wait up to ``timeout`` seconds, then kill; a finished process is left."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signum)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
