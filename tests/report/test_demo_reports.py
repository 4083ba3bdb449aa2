"""make demo ends with four reports: readiness 2018, leaders 2026 with the trend since 2024, leaders 2025 from a
report spec, one organisation's benchmark."""

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
