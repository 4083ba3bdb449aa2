"""report.pptx: the report's slides, opened with python-pptx as PowerPoint would open them.

The 2025 leaders' report (against 2024, by sector: some groups' figures are suppressed) is the
shared one of conftest.py; its model is laid out again here from the same demo waves to say what
each slide must hold. A chart slide holds a chart object whose categories, series and values are
the chart table's, read by the labels of its rows and columns; a suppressed figure is an empty
point; the notes give every base. A template's slide size, theme and layouts are taken.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import leaders, r18
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.util import Inches

from collabstate.report.evidence import Evidence, gather
from collabstate.report.model import Cell, Chart, Report, Table
from collabstate.report.pptx import KEY_MESSAGES, SUPPRESSED_SERIES, write_pptx
from collabstate.report.sections import build_model
from collabstate.report.spec import apply_spec, load_spec

DRAWN = ("share", "mean", "gap")


@pytest.fixture(scope="session")
def l25_evidence() -> Evidence:
    return gather(leaders(2025), earlier=[leaders(2024)], by="")


@pytest.fixture(scope="session")
def l25_model(l25_evidence) -> Report:
    return build_model(l25_evidence)


def model_charts(report: Report) -> list[Chart]:
    return [c for s in report.sections for c in s.charts]


def chart_slides(prs) -> list:
    return [s for s in prs.slides if any(shape.has_chart for shape in s.shapes)]


def the_chart(slide):
    (frame,) = [shape for shape in slide.shapes if shape.has_chart]
    return frame.chart


def texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def find_cell(table: Table, series: str, category: str, over_waves: bool) -> Cell:
    """The table's cell that a point stands for: row by the category, column by the series (a
    trend: row by the series, column by the wave). A series all of whose figures are suppressed
    says so in its name."""
    series = series.removesuffix(SUPPRESSED_SERIES)
    row_label, column_label = (series, category) if over_waves else (category, series)
    (row,) = [r for r in table.rows if r.label == row_label]
    (i,) = [i for i, c in enumerate(table.columns) if c.label == column_label]
    return row.cells[i]


def test_title_key_messages_and_headline_figures(l25_report, l25_model):
    prs = Presentation(l25_report["pptx"])
    first, key, head = prs.slides[0], prs.slides[1], prs.slides[2]
    assert first.shapes.title.text_frame.text == l25_model.title
    assert l25_model.subtitle in " ".join(texts(first))
    # the key messages: the report's key findings, the measures that moved or differ most
    assert key.shapes.title.text_frame.text == "Key messages"
    findings = l25_model.section("key-findings").findings
    assert findings and all(f"• {x}" in texts(key)[1].split("\n") for x in findings[:KEY_MESSAGES])
    assert all(x in key.notes_slide.notes_text_frame.text for x in findings)
    assert head.shapes.title.text_frame.text == "Headline figures"
    figures = l25_model.section("headlines").figures
    body = " ".join(texts(head))
    for f in figures[:KEY_MESSAGES]:
        assert f.label in body and f.cell.value in body
    notes = head.notes_slide.notes_text_frame.text
    for f in figures:  # every headline figure, with its interval and base
        assert f.label in notes and f"n = {f.cell.base}" in notes and f.cell.interval in notes


def test_a_specs_key_messages_and_organisation(tmp_path, l25_evidence):
    """A report spec's key messages are the key-messages slide, each live figure with its footnote
    number, the footnotes (base and interval) in the notes; its organisation is on the cover."""
    model = build_model(l25_evidence)
    (tmp_path / "spec.yaml").write_text(
        "organisation: Whitehall & Industry Group\n"
        "key_messages:\n"
        '  - "{{ growth_belief.agree }} believe collaboration can support growth."\n'
        '  - "Only **{{ state_rating.good }}** rate it good."\n',
        encoding="utf-8",
    )
    assert apply_spec(model, l25_evidence, load_spec(tmp_path / "spec.yaml")) == []
    prs = Presentation(str(write_pptx(model, tmp_path / "report.pptx")))
    assert "Whitehall & Industry Group" in texts(prs.slides[0])[1]
    key = prs.slides[1]
    assert texts(key)[1].split("\n") == ["• 92%[1] believe collaboration can support growth.", "• Only 12%[2] rate it good."]
    notes = key.notes_slide.notes_text_frame.text
    assert f"[1] {model.footnotes[0]}" in notes and f"[2] {model.footnotes[1]}" in notes


def test_a_slide_per_chart_each_a_native_chart(l25_report, l25_model):
    prs = Presentation(l25_report["pptx"])
    charts, slides = model_charts(l25_model), chart_slides(prs)
    assert len(charts) == 11 and len(slides) == len(charts)
    assert len(prs.slides) == len(charts) + 4  # title, key messages, headline figures, how to read
    for slide, chart in zip(slides, charts):
        assert slide.shapes.title.text_frame.text == chart.title
        assert not any(shape.shape_type == 13 for shape in slide.shapes)  # no picture
        drawn = the_chart(slide)
        expected = XL_CHART_TYPE.LINE_MARKERS if chart.over_waves else (XL_CHART_TYPE.BAR_CLUSTERED, XL_CHART_TYPE.COLUMN_CLUSTERED)
        assert drawn.chart_type in (expected if isinstance(expected, tuple) else (expected,))
        assert drawn.part.chart_workbook.xlsx_part is not None  # the data travel with the chart: "Edit data" opens them


def test_chart_values_are_the_tables_estimates(l25_report, l25_model):
    prs = Presentation(l25_report["pptx"])
    suppressed = 0
    for slide, chart in zip(chart_slides(prs), model_charts(l25_model)):
        drawn = the_chart(slide)
        plot = drawn.plots[0]
        categories = list(plot.categories)
        kinds = set()
        points = 0
        for series in plot.series:
            cells = [find_cell(chart.data, series.name, category, chart.over_waves) for category in categories]
            assert series.name.endswith(SUPPRESSED_SERIES) == all(c.suppressed for c in cells)  # the legend says so
            for category, value, cell in zip(categories, series.values, cells):
                kinds.add(cell.kind)
                points += 1
                if cell.shown:
                    assert value == pytest.approx(cell.estimate), (chart.id, series.name, category)
                else:
                    assert value is None, (chart.id, series.name, category)  # suppressed: an empty point, never a number
                    suppressed += cell.suppressed
        assert len(kinds) == 1 and kinds <= set(DRAWN), chart.id
        # every figure of the drawn kind in the table's drawn rows is a point
        rows = [r for r in chart.data.rows if all(c.kind in (*kinds, "text", "change") for c in r.cells)]
        assert points == sum(1 for r in rows for c in r.cells if c.kind in kinds), chart.id
        if kinds == {"share"}:
            assert "formatCode>0%<" in drawn.part.blob.decode()  # shares as percentages
    assert suppressed > 0  # the demo's small groups are suppressed, and left empty


def test_notes_hold_each_base_and_the_footer_says_so(l25_report, l25_model):
    prs = Presentation(l25_report["pptx"])
    for slide, chart in zip(chart_slides(prs), model_charts(l25_model)):
        notes = slide.notes_slide.notes_text_frame.text
        footer = [t for t in texts(slide) if t.startswith("Base: ")]
        assert footer and footer[0].endswith("95% intervals in the notes"), chart.id
        drawn = the_chart(slide)
        for series in drawn.plots[0].series:
            assert f"{series.name.removesuffix(SUPPRESSED_SERIES)} (base" in notes
            for category in drawn.plots[0].categories:
                cell = find_cell(chart.data, series.name, category, chart.over_waves)
                if cell.suppressed:
                    assert f"{category}: suppressed (base under 10)" in notes
                    assert "suppressed (base under 10), left empty" in footer[0]
                else:
                    assert f"{category}: {cell.plain.rstrip('*')} (95% interval {cell.interval}; n = {cell.base}" in notes


def test_a_radar_is_a_radar_and_a_scatter_a_scatter(tmp_path):
    """The 2018 readiness index: its radar a PowerPoint radar over the factors, its scatter a
    point per factor placed by importance (across) and prevalence (up)."""
    model = build_model(gather(r18(), by=""))
    prs = Presentation(str(write_pptx(model, tmp_path / "report.pptx")))
    drawn = {chart.id: the_chart(slide) for slide, chart in zip(chart_slides(prs), model_charts(model))}
    forms = {c.id: c for c in model_charts(model) if c.form}
    assert {c.form for c in forms.values()} == {"radar", "scatter"}
    for chart_id, chart in forms.items():
        table = chart.data
        if chart.form == "radar":
            assert drawn[chart_id].chart_type == XL_CHART_TYPE.RADAR_MARKERS
            assert list(drawn[chart_id].plots[0].categories) == [r.label for r in table.rows]
            for i, series in enumerate(drawn[chart_id].plots[0].series):
                assert series.name == table.columns[i].label
                assert list(series.values) == pytest.approx([r.cells[i].estimate for r in table.rows])
        else:
            assert drawn[chart_id].chart_type == XL_CHART_TYPE.XY_SCATTER
            series = drawn[chart_id].plots[0].series
            assert [s.name for s in series] == [r.label for r in table.rows]
            for s, row in zip(series, table.rows):
                (x,) = s._element.xpath("./c:xVal//c:v/text()")
                assert (float(x), *s.values) == pytest.approx((row.cells[0].estimate, row.cells[1].estimate))


def _template(path: Path) -> tuple[Path, bytes]:
    """A small organisation template: 16:10, a theme of its own (accent 1 is red), its "Title
    Only" layout second, and a slide of its own to be dropped."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(11), Inches(6.875)
    layouts = list(prs.slide_layouts)
    layouts[5].name = "Agenda"
    titled = layouts[1]
    titled.name = "Title Only"
    for ph in list(titled.placeholders):
        if ph.placeholder_format.idx == 1:  # the body: a title-only layout has none
            ph._element.getparent().remove(ph._element)
    theme = prs.slide_master.part.part_related_by(RT.THEME)
    theme._blob = theme.blob.replace(b'<a:srgbClr val="4F81BD"/>', b'<a:srgbClr val="C00000"/>', 1)
    old = prs.slides.add_slide(layouts[6])
    old.shapes.add_textbox(0, 0, Inches(3), Inches(1)).text_frame.text = "The template's own slide"
    prs.save(str(path))
    return path, theme.blob


def test_a_template_gives_its_size_theme_and_layouts(tmp_path, l25_model):
    template, theme = _template(tmp_path / "org.pptx")
    assert b"C00000" in theme
    prs = Presentation(str(write_pptx(l25_model, tmp_path / "report.pptx", template=template)))
    assert (prs.slide_width, prs.slide_height) == (Inches(11), Inches(6.875))
    assert prs.slide_master.part.part_related_by(RT.THEME).blob == theme
    assert not any("The template's own slide" in t for s in prs.slides for t in texts(s))
    assert prs.slides[0].slide_layout.name == "Title Slide"
    slides = chart_slides(prs)
    assert len(slides) == len(model_charts(l25_model))
    for slide in slides:
        assert slide.slide_layout == prs.slide_layouts[1]  # found by its name, not its place
        assert the_chart(slide).plots[0].series[0].format.fill.type is None  # the theme's colours
        frame = next(shape for shape in slide.shapes if shape.has_chart)
        assert frame.left + frame.width <= prs.slide_width and frame.top + frame.height <= prs.slide_height


def test_a_template_that_is_no_pptx_is_a_usage_error(tmp_path, l25_model):
    from collabstate.errors import UsageError

    bad = tmp_path / "notes.pptx"
    bad.write_text("not a presentation", encoding="utf-8")
    with pytest.raises(UsageError, match="notes.pptx"):
        write_pptx(l25_model, tmp_path / "report.pptx", template=bad)
    with pytest.raises(UsageError, match="no such PowerPoint template"):
        write_pptx(l25_model, tmp_path / "report.pptx", template=tmp_path / "missing.pptx")


def test_the_slides_render_in_libreoffice(l25_report, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        pytest.skip("LibreOffice (soffice) or poppler's pdftoppm is not installed; the structure is checked above")
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), l25_report["pptx"]], check=True, timeout=120)
    pdf = tmp_path / "report.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "3", "-l", "3", str(pdf), str(tmp_path / "slide")], check=True, timeout=60)
    assert list(tmp_path.glob("slide*.png"))
