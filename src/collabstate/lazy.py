"""Public names that are imported when first used (PEP 562), so that ``import collabstate.cli``
(and so every command, ``--help`` included) does not load every room, SciPy and Altair first.

A package declares ``{name: submodule}`` once; its ``__all__``, ``__getattr__`` and ``__dir__``
come from that map. Any room's package may use it: it is public so that no room imports another's
private module (``tests/test_house_rules.py``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, namespace: dict[str, Any], exports: Mapping[str, str]
) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for ``package``, whose public names live in
    the submodules named by ``exports`` (name -> submodule, relative to the package)."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        namespace[name] = value  # the next look-up is an ordinary attribute
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return sorted(exports, key=lambda n: (n.lower(), n)), __getattr__, __dir__
