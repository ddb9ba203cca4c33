"""Run the real ``abusedesk`` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str


def abusedesk(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
              stdin: bytes | None = None, timeout: float = 120) -> CliResult:
    """Run ``python -m abusedesk ARGS`` with the current environment plus ``env``."""
    full_env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    completed = subprocess.run(
        [sys.executable, "-m", "abusedesk", *args],
        env=full_env, cwd=cwd, input=stdin, capture_output=True, timeout=timeout, check=False,
    )
    return CliResult(completed.returncode, completed.stdout.decode("utf-8", "replace"),
                     completed.stderr.decode("utf-8", "replace"))
