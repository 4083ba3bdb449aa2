"""make demo ends with four reports: readiness 2018, leaders 2026 with the trend since 2024, leaders 2025 from a
report spec, one organisation's benchmark."""

import re

from collabstate.report import demo


def test_demo_builds_the_four_reports(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(demo, "build_report", lambda r, out, **kw: calls.append(("report", r.instrument.id, r.n, out.name, kw)) or out)
    monkeypatch.setattr(
        demo, "build_peer_comparison", lambda org, everyone, out, **kw: calls.append(("benchmark", org.n, everyone.n, out.name, kw)) or out
    )
    done = demo.demo_reports(tmp_path)
    assert list(done) == ["readiness-2018", "leaders-2026", "leaders-2025", "benchmark"]
    (_k1, ins1, n1, out1, kw1), (_k2, ins2, n2, out2, kw2), (_k4, ins4, n4, out4, kw4), (k3, org_n, all_n, _out3, kw3) = calls
    assert (ins1, n1, out1, kw1["invited"]) == ("readiness-2018", 115, "readiness-2018", 7000)
    assert (ins2, n2, out2, [e.n for e in kw2["earlier"]]) == ("leaders", 320, "leaders-2026", [300, 274])
    assert (ins4, n4, out4, [e.n for e in kw4["earlier"]]) == ("leaders", 300, "leaders-2025", [274])
    assert kw4["spec"].spec.key_messages and (tmp_path / "leaders-2025" / "report.yaml").is_file()  # the spec, to edit and build again
    assert (k3, org_n, all_n, kw3["name"]) == ("benchmark", 24, 115, "Example Housing Trust")


def test_the_demos_2025_report_codes_the_open_answers_into_the_seeds_themes_by_sector():
    """Issue 19: the demo's codebooks on the demo's 2025 answers give, for the public sector, the
    three themes of the 2025 leaders' report's "In their own words" tables (barriers: bureaucracy,
    policy churn, commercial awareness; enablers: shared goals, co-design, political will), and the
    section shows each with its share and interval; sectors under 10 answers are suppressed."""
    from collabstate.dataset import Responses
    from collabstate.dataset.codes import apply_codes, read_codes
    from collabstate.demo import DEMO_CODINGS, leaders_wave
    from collabstate.instrument import load_instrument
    from collabstate.instrument.codebook import load_codebook
    from collabstate.report.evidence import gather
    from collabstate.report.sections import build_model

    leaders = load_instrument("leaders")
    codes = [read_codes(c, load_codebook(b, leaders)) for b, c in DEMO_CODINGS]
    wave = Responses(leaders, leaders_wave(2025))
    for c in codes:
        [wave] = apply_codes([wave], c)
    report = build_model(gather(wave), codes=codes)
    seed = {"barriers_text": {"bureaucracy", "short_term", "commercial"}, "enablers_text": {"mission", "codesign", "leadership"}}
    for question, themes in seed.items():
        section = report.section(f"themes-{question}")
        assert section is not None
        [top] = [b for b in section.blocks if getattr(b, "id", "") == f"t-top-{question}_codes"]
        public = [c.label for c in top.columns].index("Public")
        labels = {c.id: c.label for c in next(cc.book for cc in codes if cc.book.question == question).codes}
        shown = {next(k for k, v in labels.items() if row.cells[public].text.startswith(f"{v}: ")) for row in top.rows}
        assert shown == themes
        assert all(re.search(r": \d+%\*? \(\d+–\d+%\)$", row.cells[public].text) for row in top.rows)  # share, low-base mark, interval
        assert top.column_bases()[-1] == "under 10" and top.rows[0].cells[-1].value == "suppressed"  # higher education
        assert "Public" in section.quotes  # a quote per theme in each sector large enough
