"""Archives built in tests and benchmarks."""

from __future__ import annotations

import io
import zipfile


def zipped(members: dict[str, bytes]) -> bytes:
    """A deflated zip archive holding ``members`` (name -> bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
