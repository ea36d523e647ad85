"""Write a benchmark's results between its own markers in bench/README.md, leaving the rest of the file alone."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def write_section(readme: Path, name: str, text: str) -> None:
    """Put `text` between `<!-- name: start -->` and `<!-- name: end -->` (appended at the end if they are missing)."""
    start, end = f"<!-- {name}: start -->", f"<!-- {name}: end -->"
    block = f"{start}\n{text}\n{end}"
    old = readme.read_text() if readme.exists() else ""
    if start in old and end in old:
        new = old[: old.index(start)] + block + old[old.index(end) + len(end) :]
    else:
        new = old + ("\n" if old and not old.endswith("\n") else "") + block + "\n"
    readme.write_text(new)


def machine() -> str:
    """The facts a reader needs to weigh the times."""
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), Python {platform.python_version()},"
        f" {platform.system()} {platform.machine()}"
    )
