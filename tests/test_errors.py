"""The error family: messages are templates filled from context, every error a person can fix is
a member, and no user-facing ``ValueError``/``KeyError`` is raised outside it."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import collabstate
from collabstate.errors import CollabstateError, InputError, RefusedError, SetupError, UnknownNameError, UsageError, place

SRC = Path(collabstate.__file__).parent

# The demo's own consistency checks of its shipped specification: a failure is a bug in collabstate,
# never something its user did, so they stay plain exceptions.
SELF_CHECKS = {"demo"}


def test_input_error_names_the_place_the_value_and_what_was_expected():
    error = InputError(file="staff.csv", row=4, column="sector", value="9", expected="one of 1, 2, 3, 4")
    assert str(error) == "staff.csv, row 4, column sector: '9' is not valid; expected one of 1, 2, 3, 4"
    assert error.context == {"file": "staff.csv", "row": 4, "column": "sector", "value": "9", "expected": "one of 1, 2, 3, 4"}
    assert isinstance(error, ValueError) and error.exit_code == 1


def test_input_error_about_a_place_itself_reads_as_a_sentence():
    error = InputError(column="wave", problem="is not in the responses", expected="a wave column")
    assert str(error) == "column wave is not in the responses; expected a wave column"
    assert str(InputError("cannot be read as an XLSX workbook", file="b.xlsx")) == "b.xlsx: cannot be read as an XLSX workbook"
    assert str(InputError(field="questions[2].id", value="", problem="is empty")) == "field questions[2].id: '' is empty"


def test_usage_error_names_the_argument_and_exits_2():
    error = UsageError(argument="level", value=1.5, expected="a confidence level between 0 and 1")
    assert str(error) == "level 1.5 is not valid; expected a confidence level between 0 and 1"
    assert error.exit_code == 2 and isinstance(error, ValueError)


def test_unknown_name_suggests_the_closest_and_is_never_quoted_twice():
    error = UnknownNameError(name="q6_sucess", kind="a question of leaders", known=["q1_sector", "q6_success"])
    assert str(error) == "'q6_sucess' is not a question of leaders (did you mean 'q6_success'?)"
    assert str(UnknownNameError(name="zzz", kind="a question of leaders", known=["q1_sector"])) == "'zzz' is not a question of leaders"
    # a KeyError's str() is the repr of its argument; a member's is its message
    assert isinstance(error, KeyError) and not str(error).startswith('"')
    with pytest.raises(KeyError) as caught:
        raise error
    assert caught.value.context["name"] == "q6_sucess"


def test_refused_and_setup_errors():
    assert str(RefusedError("the wave has no responses yet")) == "the wave has no responses yet"
    assert SetupError("install chromium").exit_code == 3 and isinstance(SetupError("x"), RuntimeError)


def test_place_joins_only_what_is_known():
    assert place() == ""
    assert place("a.csv", 3) == "a.csv, row 3"
    assert place(column="sector", field="targets") == "column sector, field targets"


def _modules():
    for info in pkgutil.walk_packages([str(SRC)], prefix="collabstate."):
        if ".migrations" in info.name or info.name.endswith((".manage", ".__main__")):
            continue
        yield info.name


def test_every_error_class_of_collabstate_is_a_member_of_the_family():
    import django

    django.setup()
    outside = []
    for name in _modules():
        if name.startswith("collabstate.web") and "settings" in name:
            continue
        module = importlib.import_module(name)
        for cls_name, cls in vars(module).items():
            if (
                inspect.isclass(cls)
                and cls.__module__ == name
                and issubclass(cls, Exception)
                and not cls_name.startswith("_")
                and not issubclass(cls, Warning)
                and not issubclass(cls, CollabstateError)
            ):
                outside.append(f"{name}.{cls_name}")
    assert outside == []


def test_no_plain_value_or_key_error_is_raised_outside_the_family():
    found = []
    for path in SRC.rglob("*.py"):
        room = path.relative_to(SRC).parts[0]
        if room in SELF_CHECKS or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                call = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(call, ast.Name) and call.id in {"ValueError", "KeyError", "RuntimeError", "Exception"}:
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}: raise {call.id}")
    assert found == []
