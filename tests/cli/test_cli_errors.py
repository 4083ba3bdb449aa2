"""The command line maps the error family to exit codes in one place (collabstate.cli): an error
raised inside any command ends it with ``error: <message>`` on standard error, the error's exit
code (1 input or refused, 2 usage, 3 setup missing) and no traceback."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import collabstate
import collabstate.instrument
from collabstate.cli import app
from collabstate.errors import CollabstateError, InputError, RefusedError, SetupError, UnknownNameError, UsageError

runner = CliRunner()

RAISED = [
    (CollabstateError("the wave has no responses yet"), 1),
    (InputError(file="staff.csv", row=4, column="sector", value="9", expected="one of 1, 2, 3, 4"), 1),
    (RefusedError("too few respondents to report"), 1),
    (UsageError(argument="--level", value=1.5, expected="a number between 0 and 1"), 2),
    (UnknownNameError(name="q6_sucess", kind="a question of leaders", known=["q1_sector", "q6_success"]), 2),
    (SetupError("the report's fonts are missing; run make setup"), 3),
]


@pytest.mark.parametrize(("error", "code"), RAISED, ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v))
def test_an_error_raised_inside_a_command_ends_with_its_exit_code_and_message(monkeypatch, error, code):
    def raise_it():
        raise error

    monkeypatch.setattr(collabstate.instrument, "builtin_instruments", raise_it)  # what `instrument list` calls first
    result = runner.invoke(app, ["instrument", "list"])
    assert result.exit_code == code, result.output
    assert " ".join(result.stderr.split()) == f"error: {error.message}"  # the console wraps long lines at 80 columns
    assert result.stdout == ""
    assert isinstance(result.exception, SystemExit)  # ended by the app, not by the error escaping it
    assert "Traceback" not in result.output


def test_a_message_is_printed_as_it_is(monkeypatch):
    """A name in square brackets is text, not a style of the console: nothing of it is lost."""
    error = InputError("column [sector] of questions[3].choices has no [/code] label", file="leaders.yaml")

    def raise_it():
        raise error

    monkeypatch.setattr(collabstate.instrument, "builtin_instruments", raise_it)
    result = runner.invoke(app, ["instrument", "list"])
    assert result.exit_code == 1
    assert " ".join(result.stderr.split()) == "error: leaders.yaml: column [sector] of questions[3].choices has no [/code] label"


SCRIPT = """
import sys
import collabstate.instrument
from collabstate import errors

def raise_it():
    raise getattr(errors, sys.argv[1])("what went wrong")

collabstate.instrument.builtin_instruments = raise_it
from collabstate.cli import app
app(prog_name="collabstate", args=["instrument", "list"])
"""


@pytest.mark.parametrize(("name", "code"), [("CollabstateError", 1), ("UsageError", 2), ("SetupError", 3)])
def test_run_as_a_program_the_exit_code_is_the_errors_and_there_is_no_traceback(name, code):
    src = str(Path(collabstate.__file__).parents[1])
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), name],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "PYTHONPATH": src},
    )
    assert result.returncode == code, result.stderr
    assert result.stderr == "error: what went wrong\n"
    assert result.stdout == ""


def test_an_option_of_a_multiple_choice_question_is_told_to_ask_for_its_question(tmp_path):
    """A multiple-choice option is a data column but not an estimate of its own: the message says
    which question to ask for, and no 'did you mean' suggests the very name that was refused."""
    data = tmp_path / "a.csv"
    data.write_text("sector,org_support/secondments\n1,1\n2,0\n", encoding="utf-8")
    result = runner.invoke(app, ["estimate", str(data), "-i", "leaders", "-q", "org_support/secondments"])
    said = " ".join(result.stderr.split())
    assert result.exit_code == 2 and "an option of the multiple-choice question 'org_support': ask for 'org_support'" in said
    assert "did you mean" not in said
