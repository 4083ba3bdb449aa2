"""Streamed exports of a wave (issue 6): every format holds what the previous, whole-in-memory path
wrote (the ORM's rows into a dict per response, one text frame, the core's ``read_responses``,
then ``write_responses``), whatever the chunk size; the command line uses them."""

from __future__ import annotations

import threading
import uuid

import fastexcel
import polars as pl
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from collabstate.cli import app
from collabstate.dataset import codebook, read_responses, read_source, write_responses
from collabstate.dataset.validate import validate_source
from collabstate.web.surveys.actions import responses_of
from collabstate.web.surveys.exports import export_codebook, export_wave, read_wave, wave_frames
from collabstate.web.surveys.models import Answer, Response

runner = CliRunner()
FORMATS = ("csv", "xlsx", "sav", "parquet")

#: Every kind of column: codes with an excluded one, integers and decimals, flags with an
#: exclusive option, a grid, free text, and a question skip logic may leave out.
EDGES = """\
id: edges
title: Edge cases
scales:
  - id: agree
    label: Agreement
    choices:
      - {code: 1, label: Disagree}
      - {code: 2, label: Agree}
      - {code: 9, label: Not applicable, excluded: true}
questions:
  - id: role
    type: single
    text: What is your role?
    required: true
    choices:
      - {code: 1, label: Chief executive}
      - {code: 2, label: Something else}
  - id: other_role
    type: text
    text: Which role?
    relevant: role == 2
  - id: staff
    type: number
    text: How many staff?
    integer: true
    minimum: 0
  - id: budget
    type: number
    text: What share of the budget, in pounds?
    minimum: -1000000
    maximum: 1000000
  - id: partners
    type: multiple
    text: Who are your partners?
    options:
      - {code: council, label: The council}
      - {code: nhs, label: The NHS}
      - {code: none, label: None of these, exclusive: true}
  - id: views
    type: matrix
    text: Do you agree?
    scale: agree
    rows:
      - {id: v_trust, short: Trust, text: We trust each other.}
      - {id: v_time, short: Time, text: We have time for it.}
  - id: why
    type: text
    text: Why?
"""

AWKWARD = [
    'Joint work, with commas, and a "quote"',
    "two lines\nand a third\n",
    "ünïcödé — 🙂 ✓ 中文",
    "  leading and trailing spaces  ",
    "=1+1",
    "007",
    "back\\slash and tab\t and \x01 control",
]


def reference_responses_of(wave):
    """``responses_of`` as it was before the streamed exports (commit 76f4f2c): the reference.
    In order of response, as SQLite returned them (PostgreSQL returns them in any order). Since
    issue 14, an answer that does not fit is left blank rather than its response left out."""
    instrument = wave.instrument
    ids = dict(Response.objects.filter(wave=wave, completed=True).order_by("pk").values_list("pk", "public_id"))
    rows: dict[int, dict[str, str]] = {pk: {} for pk in ids}
    for response_id, column, value in Answer.objects.filter(response_id__in=list(ids)).values_list("response_id", "column", "value"):
        rows[response_id][column] = value
    names = [c.name for c in instrument.columns]
    data = {"respondent_id": [str(ids[pk]) for pk in rows]}
    for name in names:
        data[name] = [answers.get(name) for answers in rows.values()]
    frame = pl.DataFrame(data, schema={"respondent_id": pl.String, **dict.fromkeys(names, pl.String)})
    return validate_source(read_source(frame, name=f"wave {wave.slug}"), instrument, blank_problems=True)


def answer(client, token: str, pages: dict[str, dict]) -> None:
    """Post each page as a browser would, then complete on the check-answers page."""
    for question, data in pages.items():
        posted = client.post(f"/r/{token}/q/{question}/", data)
        assert posted.status_code == 302, posted.content.decode()[:2000]
    assert client.post(f"/r/{token}/check/").status_code == 302


def store(wave, answers: list[dict[str, str]], completed: bool = True) -> None:
    """Responses stored directly, as the web stores them (one row per answered column)."""
    made = Response.objects.bulk_create([Response(wave=wave, completed=completed) for _ in answers])
    Answer.objects.bulk_create([Answer(response=r, column=c, value=v) for r, a in zip(made, answers) for c, v in a.items()])


@pytest.fixture
def readiness(make_wave, client, start):
    """A readiness wave completed on the web: skipped questions, flags, awkward text, non-response;
    one respondent who never finished; another wave's responses stored in between."""
    wave = make_wave()
    other = make_wave("other", "readiness-2018")
    answer(client, start(wave), {
        "q1_example": {"q1_example": "1"}, "q2_description": {"q2_description": AWKWARD[0] + "\r\n" + AWKWARD[2]},
        "q3_stakeholders": {"q3_stakeholders": ["local_authority", "other"]}, "q3_other_text": {"q3_other_text": AWKWARD[3]},
        "q7_importance": {"q7_importance": "5"}, "q8_why": {"q8_why": AWKWARD[1]},
        "q13_importance": {"imp_systems": "9", "imp_citizens": "0", "imp_places": "3"}, "q16_sector": {"q16_sector": "2"},
        "q17_area": {"q17_area": ["education"]}, "q18_region": {"q18_region": ["london", "wales"]},
    })  # fmt: skip
    answer(client, start(other), {"q1_example": {"q1_example": "2"}, "q16_sector": {"q16_sector": "1"}})
    answer(
        client, start(wave), {"q1_example": {"q1_example": "2"}, "q7_importance": {"q7_importance": "1"}, "q16_sector": {"q16_sector": "3"}}
    )
    answer(client, start(wave), {"q1_example": {"q1_example": "1"}})
    answer(
        client,
        start(wave),
        {"q1_example": {"q1_example": "1"}, "q2_description": {"q2_description": AWKWARD[4]}, "q8_why": {"q8_why": AWKWARD[5]}},
    )
    unfinished = start(wave)
    client.post(f"/r/{unfinished}/q/q1_example/", {"q1_example": "1"})
    answer(client, start(other), {"q1_example": {"q1_example": "1"}})
    answer(
        client,
        start(wave),
        {"q1_example": {"q1_example": "2"}, "q8_why": {"q8_why": AWKWARD[6]}, "q19_receive_report": {"q19_receive_report": "1"}},
    )
    return wave


@pytest.fixture
def edges(make_wave, client, start):
    """The edge-case instrument completed on the web: integers, decimals, an exclusive option."""
    wave = make_wave("edges", "", instrument_yaml=EDGES)
    answer(client, start(wave), {"role": {"role": "2"}, "other_role": {"other_role": AWKWARD[2]}, "staff": {"staff": "12"},
                                 "budget": {"budget": "-3.25"}, "partners": {"partners": ["council", "nhs"]},
                                 "views": {"v_trust": "9", "v_time": "2"}, "why": {"why": AWKWARD[0]}})  # fmt: skip
    answer(
        client,
        start(wave),
        {"role": {"role": "1"}, "staff": {"staff": "0"}, "budget": {"budget": "1e-7"}, "partners": {"partners": ["none"]}},
    )
    answer(
        client, start(wave), {"role": {"role": "1"}, "budget": {"budget": "1000000"}, "views": {"v_trust": "1"}, "why": {"why": AWKWARD[1]}}
    )
    answer(client, start(wave), {"role": {"role": "2"}})
    return wave


def read_back(path, fmt: str):
    """What a file holds: its frame(s), and for .sav its labels; for .csv its bytes."""
    if fmt == "csv":
        return path.read_bytes()
    if fmt == "parquet":
        return pl.read_parquet(path), pl.read_parquet_metadata(path)["collabstate.instrument"]
    if fmt == "sav":
        data, meta = pyreadstat.read_sav(str(path), output_format="polars", user_missing=True)
        return (
            data,
            meta.column_names_to_labels,
            meta.variable_value_labels,
            meta.missing_ranges,
            meta.variable_measure,
            meta.original_variable_types,
            meta.file_label,
            meta.notes,
        )
    book = fastexcel.read_excel(path)
    return [book.load_sheet(name, header_row=None, dtypes="string").to_polars() for name in book.sheet_names]


def assert_same(a, b) -> None:
    assert type(a) is type(b)
    if isinstance(a, pl.DataFrame):
        assert_frame_equal(a, b, check_exact=True)
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    else:
        assert a == b


@pytest.mark.parametrize("fixture", ["readiness", "edges"])
@pytest.mark.parametrize("chunk", [2, 50_000])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_holds_what_the_previous_path_wrote(request, fixture, chunk, fmt, tmp_path):
    wave = request.getfixturevalue(fixture)
    reference = reference_responses_of(wave)
    assert reference.ok and reference.responses.n >= 4
    expected = write_responses(reference.responses, tmp_path / f"reference.{fmt}")
    calls = []
    written = export_wave(wave, tmp_path / f"wave.{fmt}", progress=lambda done, total: calls.append((done, total)), chunk=chunk)
    assert written.n == reference.responses.n and written.format == fmt
    assert_same(read_back(written.path, fmt), read_back(expected, fmt))
    assert calls[-1] == (written.n, written.n) and len(calls) == -(-written.n // chunk)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"reference.{fmt}", f"wave.{fmt}"]  # no temporary file left


@pytest.mark.parametrize("fixture", ["readiness", "edges"])
def test_responses_of_reads_as_it_did(request, fixture):
    wave = request.getfixturevalue(fixture)
    reference, ours = reference_responses_of(wave), responses_of(wave)
    assert_frame_equal(ours.responses.data, reference.responses.data, check_exact=True)
    assert (ours.n_read, ours.n_problems, ours.file, ours.responses.source) == (
        reference.n_read,
        0,
        reference.file,
        reference.responses.source,
    )
    if fixture == "readiness":  # CR LF stored as LF, the rest as typed
        assert AWKWARD[0] + "\n" + AWKWARD[2] in ours.responses.data["q2_description"].to_list()


def test_the_command_line_exports_through_export_wave(readiness, tmp_path):
    reference = write_responses(reference_responses_of(readiness).responses, tmp_path / "reference.sav")
    result = runner.invoke(app, ["wave", "export", readiness.slug, str(tmp_path / "wave.sav")])
    assert result.exit_code == 0, result.output
    assert "5 responses written" in result.output
    assert_same(read_back(tmp_path / "wave.sav", "sav"), read_back(reference, "sav"))
    unknown = runner.invoke(app, ["wave", "export", readiness.slug, str(tmp_path / "wave.txt")])
    assert unknown.exit_code == 2  # the output path is an argument that cannot be used: a usage error
    assert "cannot tell the format of" in unknown.output and not (tmp_path / "wave.txt").exists()


def test_answers_that_do_not_fit_are_written_blank_and_listed_by_row(make_wave, tmp_path):
    """A stored answer that no longer fits (issue 14, item 1) never blocks the export: the
    respondent's row is written with that answer blank, and the answer is listed."""
    wave = make_wave()
    good = {"q1_example": "1", "q16_sector": "2"}
    store(
        wave,
        [
            good,
            good,
            {"q1_example": "1", "q16_sector": "7"},
            good,
            {"q1_example": "2", "q2_description": "not asked"},
            good,
            {"q7_importance": "x"},
        ],
    )
    reference = reference_responses_of(wave)
    assert reference.n_problems == 3 and reference.responses.n == 7
    for chunk in (1, 3, 100):
        written = export_wave(wave, tmp_path / f"wave-{chunk}.parquet", chunk=chunk)
        assert written.n == 7 and written.n_problems == 3
        assert [str(p) for p in written.problems] == [str(p) for p in reference.problems]
        back = pl.read_parquet(written.path)
        assert back.height == 7 and back["q16_sector"].to_list() == [2, 2, None, 2, None, 2, None]
        assert back["q2_description"].null_count() == 7 and back["q1_example"].to_list() == [1, 1, 1, 1, 2, 1, None]
        merged = read_wave(wave, chunk=chunk)
        assert [str(p) for p in merged.problems] == [str(p) for p in reference.problems]
        assert_frame_equal(merged.rejected, reference.rejected)
        assert_frame_equal(merged.responses.data, reference.responses.data)
    result = runner.invoke(app, ["wave", "export", wave.slug, str(tmp_path / "wave.csv")])
    assert result.exit_code == 0, result.output
    assert "3 stored answers do not fit the questionnaire and are written blank (not answered)" in result.output
    assert "row 3, column q16_sector: '7' is not valid" in result.output and "7 responses written" in result.output
    assert read_responses(tmp_path / "wave.csv", wave.instrument).ok  # what is written fits


def test_a_text_longer_than_a_cell_is_written_blank_in_every_format(make_wave, tmp_path):
    wave = make_wave()
    store(wave, [{"q1_example": "1", "q2_description": "x" * 40_000}, {"q1_example": "1", "q2_description": "short"}])
    for fmt in ("xlsx", "csv", "sav", "parquet"):
        written = export_wave(wave, tmp_path / f"wave.{fmt}")
        assert written.n == 2 and [(p.row, p.column, p.kind) for p in written.problems] == [(1, "q2_description", "too_long")]
        assert read_responses(written.path, wave.instrument).responses.data["q2_description"].to_list() == [None, "short"]


def test_formulas_typed_as_answers_do_not_leave_in_the_csv_unless_asked(make_wave, tmp_path):
    wave = make_wave()
    store(wave, [{"q1_example": "1", "q2_description": '=HYPERLINK("http://x")'}, {"q1_example": "1", "q2_description": "-5"}])
    safe = export_wave(wave, tmp_path / "safe.csv").path.read_text(encoding="utf-8")
    assert '"\'=HYPERLINK(""http://x"")"' in safe and ",-5," in safe
    raw = export_wave(wave, tmp_path / "raw.csv", raw_text=True).path.read_text(encoding="utf-8")
    assert '"=HYPERLINK(""http://x"")"' in raw and "'=" not in raw
    result = runner.invoke(app, ["wave", "export", wave.slug, str(tmp_path / "cli.csv"), "--raw-text"])
    assert result.exit_code == 0 and (tmp_path / "cli.csv").read_text(encoding="utf-8") == raw


@pytest.mark.parametrize("fmt", ["csv", "parquet", "sav"])
def test_a_progress_callback_that_raises_stops_the_export_and_leaves_nothing(make_wave, tmp_path, fmt):
    wave = make_wave()
    store(wave, [{"q1_example": "1", "q16_sector": str(i % 3 + 1)} for i in range(12)])

    def stop(done: int, total: int) -> None:
        if done >= 3:
            raise KeyboardInterrupt("withdrawn")

    with pytest.raises(KeyboardInterrupt):
        export_wave(wave, tmp_path / f"wave.{fmt}", progress=stop, chunk=1)
    assert list(tmp_path.iterdir()) == []  # the worker thread has stopped: nothing appears later either
    assert [t.name for t in threading.enumerate() if t.name.startswith("wave-export")] == []


def test_an_empty_wave_and_unfinished_responses(make_wave, tmp_path):
    wave = make_wave()
    for fmt in FORMATS:
        reference = write_responses(reference_responses_of(wave).responses, tmp_path / f"reference.{fmt}")
        assert export_wave(wave, tmp_path / f"wave.{fmt}").n == 0
        assert_same(read_back(tmp_path / f"wave.{fmt}", fmt), read_back(reference, fmt))
    store(wave, [{"q1_example": "1"}, {}], completed=False)
    store(wave, [{}])  # completed, nothing answered: a row of nulls
    assert read_wave(wave).responses.n == 1 and read_wave(wave, completed_only=False).responses.n == 3
    assert export_wave(wave, tmp_path / "all.csv", completed_only=False).n == 3


def test_the_codebook_is_the_cores(wave, tmp_path):
    assert_frame_equal(pl.read_csv(export_codebook(wave, tmp_path / "codebook.csv"), infer_schema=False), codebook(wave.instrument))
    sheet = fastexcel.read_excel(export_codebook(wave, tmp_path / "codebook.xlsx")).load_sheet(0, dtypes="string").to_polars()
    assert_frame_equal(sheet, codebook(wave.instrument), check_dtypes=False)


# --- any chunk size gives the same frames and the same files ------------------------------

TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=12)
NUMBER = st.one_of(
    st.integers(-1000, 10**6).map(str), st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: str(int(x)) if x.is_integer() else repr(x))
)


@st.composite
def stored_answers(draw) -> list[dict[str, str]]:
    """What the web may store for the edge-case instrument: any subset of the questions answered."""
    out = []
    for _ in range(draw(st.integers(0, 12))):
        a: dict[str, str] = {}
        role = draw(st.sampled_from([None, "1", "2"]))
        if role is not None:
            a["role"] = role
        if role == "2" and draw(st.booleans()):
            a["other_role"] = draw(TEXT)
        if draw(st.booleans()):
            a["staff"] = str(draw(st.integers(0, 10**6)))
        if draw(st.booleans()):
            a["budget"] = draw(NUMBER)
        ticked = draw(st.sampled_from([None, {"council"}, {"nhs"}, {"council", "nhs"}, {"none"}]))
        if ticked:
            a.update({f"partners/{o}": "1" if o in ticked else "0" for o in ("council", "nhs", "none")})
        for row in ("v_trust", "v_time"):
            if draw(st.booleans()):
                a[row] = draw(st.sampled_from(["1", "2", "9"]))
        if draw(st.booleans()):
            a["why"] = draw(TEXT)
        if draw(st.booleans()):
            a["retired_column"] = "left over from an earlier version"  # not in the instrument: ignored
        out.append(a)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(answers=stored_answers(), chunk=st.integers(1, 14), how=st.sampled_from([None, "rows"]))
def test_any_chunk_size_gives_the_same_frames_and_files(make_wave, tmp_path, answers, chunk, how):
    wave = make_wave(f"edges-{uuid.uuid4().hex[:8]}", "", instrument_yaml=EDGES)
    store(wave, answers)
    store(wave, [{"role": "1"}], completed=False)
    names = [c.name for c in wave.instrument.columns]
    frames = list(wave_frames(wave, chunk=chunk, how=how))
    assert len(frames) == -(-len(answers) // chunk)
    text = pl.concat(frames) if frames else pl.DataFrame(schema={"respondent_id": pl.String, **dict.fromkeys(names, pl.String)})
    ids = Response.objects.filter(wave=wave, completed=True).order_by("pk").values_list("public_id", flat=True)
    expected = pl.DataFrame([{"respondent_id": str(i), **{n: a.get(n) for n in names}} for i, a in zip(ids, answers)],
                            schema=text.schema, orient="row")  # fmt: skip
    assert_frame_equal(text, expected)
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    for fmt in ("csv", "parquet"):
        export_wave(wave, folder / f"chunked.{fmt}", chunk=chunk)
        export_wave(wave, folder / f"whole.{fmt}", chunk=10**6)
        assert_same(read_back(folder / f"chunked.{fmt}", fmt), read_back(folder / f"whole.{fmt}", fmt))
    reference = write_responses(reference_responses_of(wave).responses, folder / "reference.csv")
    assert read_back(folder / "chunked.csv", "csv") == read_back(reference, "csv")
