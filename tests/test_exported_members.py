"""The public API (issue 13), as httpx's test_exported_members.py keeps its own: ``__all__`` is
exactly the names a type checker sees (the ``if TYPE_CHECKING:`` block beside the lazy loading),
each is importable and documented, and the package says it is typed (``py.typed``)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import collabstate

INIT = Path(collabstate.__file__)


def _names_a_type_checker_sees() -> set[str]:
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", None) == "TYPE_CHECKING")
    return {alias.asname or alias.name for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names}


def test_all_is_exactly_the_typed_public_names():
    assert set(collabstate.__all__) == _names_a_type_checker_sees()
    assert len(collabstate.__all__) == len(set(collabstate.__all__))


def test_every_public_name_is_importable_and_documented():
    for name in collabstate.__all__:
        member = getattr(collabstate, name)
        assert member is not None, name
        if inspect.isclass(member) or inspect.isfunction(member):
            assert (member.__doc__ or "").strip(), f"collabstate.{name} has no docstring"


def test_the_package_is_marked_typed():
    assert (INIT.parent / "py.typed").is_file()
