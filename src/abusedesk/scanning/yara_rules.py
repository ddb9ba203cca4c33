"""YARA signatures: abusedesk's bundled rules plus the operator's rule directory.

The bundled rules (``rules/*.yar`` in this package) find the EICAR test file and PHP web
shells; ``ABUSEDESK_SCAN_YARA_RULES_DIR`` adds every ``*.yar``/``*.yara`` file of a
directory, each compiled in a namespace named after its file. A rule that does not compile
is a configuration error naming the file. Matching runs with a time-out per item.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from abusedesk.domain.errors import ConfigurationError, ScanError
from abusedesk.scanning.engines import SignatureHit
from abusedesk.scanning.walk import Item

ENGINE = "yara"
#: Seconds YARA may spend on one item.
MATCH_TIMEOUT = 60


def bundled_rule_files() -> dict[str, str]:
    """Namespace -> path of each rule file shipped with abusedesk."""
    folder = resources.files("abusedesk.scanning") / "rules"
    return {f"abusedesk.{entry.name.rsplit('.', 1)[0]}": str(entry)
            for entry in folder.iterdir() if entry.name.endswith(".yar")}


def rule_files(rules_dir: Path | None) -> dict[str, str]:
    """The bundled rule files and those of ``rules_dir`` (namespaced by file name)."""
    files = bundled_rule_files()
    if rules_dir is not None:
        if not rules_dir.is_dir():
            raise ConfigurationError(f"the YARA rules directory {rules_dir} does not exist "
                                     "(ABUSEDESK_SCAN_YARA_RULES_DIR)")
        for path in sorted(rules_dir.iterdir()):
            if path.suffix.lower() in (".yar", ".yara") and path.is_file():
                files[f"local.{path.stem}"] = str(path)
    return files


class YaraEngine:
    """Compiled YARA rules; see the module docstring."""

    name = ENGINE

    def __init__(self, rules_dir: Path | None = None) -> None:
        try:
            import yara
        except ImportError:
            raise ConfigurationError("YARA scanning needs the yara-python package "
                                     "(pip install yara-python)") from None
        self._yara: Any = yara
        files = rule_files(rules_dir)
        try:
            self._rules: Any = yara.compile(filepaths=files)
        except yara.SyntaxError as error:
            raise ConfigurationError(f"a YARA rule does not compile: {error}") from None
        except yara.Error as error:
            raise ConfigurationError(f"YARA rules cannot be loaded: {error}") from None
        self.rule_count = sum(1 for _ in self._rules)

    def scan(self, items: Sequence[Item]) -> list[SignatureHit]:
        hits: list[SignatureHit] = []
        for index, item in enumerate(items):
            try:
                matches = self._rules.match(data=item.data, timeout=MATCH_TIMEOUT)
            except self._yara.TimeoutError:
                raise ScanError(f"YARA timed out on {item.location}") from None
            except self._yara.Error as error:
                raise ScanError(f"YARA failed on {item.location}: {error}") from None
            for match in matches:
                hits.append(SignatureHit(index, ENGINE, str(match.rule), _first_offset(match),
                                         _description(match)))
        return hits


def _first_offset(match: Any) -> int | None:
    offsets = [instance.offset for string in match.strings for instance in string.instances]
    return min(offsets) if offsets else None


def _description(match: Any) -> str | None:
    value = match.meta.get("description")
    return str(value) if value is not None else None
