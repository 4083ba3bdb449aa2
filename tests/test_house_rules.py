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
