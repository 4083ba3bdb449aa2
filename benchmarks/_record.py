"""What every benchmark records: the machine it ran on, and its own section of docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def machine(*, numpy: bool = False) -> str:
    """CPUs, Python and the versions the figures depend on."""
    import polars as pl

    versions = f"polars {pl.__version__}"
    if numpy:
        import numpy as np

        versions = f"numpy {np.__version__}, {versions}"
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), Python {platform.python_version()}, "
        f"{versions}, {platform.system()} {platform.machine()}"
    )


def write_section(heading: str, text: str, doc: Path = DOC) -> None:
    """Replace the section under ``heading`` in docs/benchmarks.md (or append it); keep the others."""
    doc.parent.mkdir(parents=True, exist_ok=True)
    current = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    section = text.rstrip("\n") + "\n\n"
    current = pattern.sub(lambda _: section, current) if pattern.search(current) else current.rstrip("\n") + "\n\n" + section
    doc.write_text(current.rstrip("\n") + "\n", encoding="utf-8")
