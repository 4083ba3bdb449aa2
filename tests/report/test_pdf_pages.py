"""The PDF as a reader sees it: rendered to PNG with pdftoppm, no page is blank and every chart
carries ink where it belongs on its page."""

import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import need
from PIL import Image

DPI = 40
MM = DPI / 25.4  # pixels per millimetre at DPI
CSS_PX = DPI / 96  # pixels per CSS pixel at DPI


def pages(pdf: str, out: Path) -> list[np.ndarray]:
    need("pdftoppm")
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", pdf, str(out / "page")], check=True)
    files = sorted(out.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
    return [np.asarray(Image.open(f).convert("L"), dtype=np.uint8) for f in files]


def ink(image: np.ndarray) -> float:
    """Share of pixels that are not (near) white."""
    return float((image < 235).mean()) if image.size else 0.0


@pytest.mark.parametrize("which", ["r18_report", "l25_report", "bench_report"])
def test_no_page_is_blank_and_charts_carry_ink(which, request, tmp_path):
    report = request.getfixturevalue(which)
    images = pages(report["pdf"], tmp_path)
    assert len(images) >= 3
    for number, image in enumerate(images, start=1):
        height = image.shape[0]
        body = image[int(18 * MM) : height - int(20 * MM)]  # inside the page margins: no running header or footer
        assert ink(body) > 0.004, f"page {number} is blank"
    charts = report["pdf_charts"]
    assert charts, "the PDF has charts"
    for c in charts:
        image = images[c["page"]]
        x0, y0 = int(c["x"] * CSS_PX), int(c["y"] * CSS_PX)
        x1, y1 = int((c["x"] + c["width"]) * CSS_PX), int((c["y"] + c["height"]) * CSS_PX)
        region = image[y0:y1, x0:x1]
        assert region.size and ink(region) > 0.02, f"chart {c['chart']} on page {c['page'] + 1} has no ink"
    chart_pages = {c["page"] for c in charts}
    others = [ink(images[p]) for p in range(len(images)) if p not in chart_pages]
    assert all(ink(images[p]) > 0.01 for p in chart_pages)
    assert len(chart_pages) >= min(3, len(charts)), (len(chart_pages), others[:3])
