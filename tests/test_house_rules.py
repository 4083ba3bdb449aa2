"""The rules of the house (design.md): the core never imports the web or report layers, and the
public names are declared once."""

import ast
import subprocess
import sys
from pathlib import Path

import collabstate

SRC = Path(collabstate.__file__).parent
CORE = ("instrument", "dataset", "stats", "analysis")


def test_core_imports_neither_django_nor_the_outer_layers():
    code = (
        "import sys\n"
        + "".join(f"import collabstate.{room}\n" for room in CORE)
        + "bad = [m for m in sys.modules if m == 'django' or m.startswith(('django.', 'collabstate.web', 'collabstate.report', 'collabstate.cli'))]\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_core_sources_do_not_name_the_outer_layers():
    for room in CORE:
        for path in (SRC / room).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                    for name in names:
                        assert not name.startswith(("django", "collabstate.web", "collabstate.report")), f"{path}: imports {name}"
                        if isinstance(node, ast.ImportFrom) and node.level:
                            assert not (node.module or "").startswith(("web", "report", "cli")), f"{path}: imports {node.module}"


def test_public_names_are_declared_and_importable():
    assert collabstate.__all__
    for name in collabstate.__all__:
        assert hasattr(collabstate, name), name


#: Private names still imported across rooms, each with its reason: this list only shrinks.
KNOWN_CROSSINGS: set[tuple[str, str]] = set()


def _room(parts: tuple[str, ...]) -> str:
    """The room of a module, from its path under collabstate: its first package ('' for a module
    of the top level, such as errors.py)."""
    return parts[0] if len(parts) > 1 else ""


def test_no_private_name_is_imported_across_rooms():
    """A module or name starting with '_' is private to its room (instrument, dataset, stats,
    analysis, report, web, cli, or the top level): other rooms import what the room makes public."""
    crossings = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        here = path.relative_to(SRC).with_suffix("").parts
        package = here[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.level):
                continue
            base = package[: len(package) - node.level + 1]
            full = (*base, *(node.module.split(".") if node.module else ()))
            for alias in node.names:
                parts = (*full, alias.name)
                at = next((i for i, p in enumerate(parts) if p.startswith("_") and not p.startswith("__")), None)
                if at is None:
                    continue
                owner = _room(parts[: at + 1]) if at else ""  # the room the private module or name belongs to
                if owner != _room(here):
                    crossings.add((_room(here), parts[at]))
    assert crossings <= KNOWN_CROSSINGS, f"private names imported across rooms: {sorted(crossings - KNOWN_CROSSINGS)}"


def _imports_at_run_time(path: Path) -> set[str]:
    """The modules of collabstate a module imports when it runs (at the top or inside a function,
    not under ``if TYPE_CHECKING:``), as dotted names under collabstate."""
    here = path.relative_to(SRC).with_suffix("").parts
    package = here[:-1]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            return
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            if node.module:
                found.add(".".join((*base, *node.module.split("."))))
            else:  # from . import sibling: the sibling modules
                found.update(".".join((*base, alias.name)) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_no_two_modules_import_each_other_when_they_load():
    """Import circles (a module that needs another that needs it, the second import hidden in a
    function) are broken by moving what both need where it belongs (issue 13: the engine's blocks,
    the bases' checks)."""
    modules = {}
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(SRC).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = _imports_at_run_time(path)
    circles = sorted({tuple(sorted((a, b))) for a, deps in modules.items() for b in deps if b != a and a in modules.get(b, set())})
    assert circles == [], circles


def test_test_files_have_names_of_their_own():
    """The test folders are not packages, so two test files of one name cannot be collected in
    one run: the second is an error, and `make test` stops there."""
    tests = Path(__file__).parent
    names = [p.name for p in tests.rglob("test_*.py")]
    assert sorted({n for n in names if names.count(n) > 1}) == []
