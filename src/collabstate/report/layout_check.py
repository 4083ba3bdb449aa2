"""Automatic checks of the PDF's layout, the defects a designer would not sign:

- ``empty-page``: a page (other than the cover and the last) under :data:`MIN_INK` of its printable
  area inked;
- ``table-split``: a table broken across pages leaving fewer than :data:`MIN_ROWS` body rows on a page;
- ``heading-at-foot``: a heading with nothing after it on its page;
- ``overlap``: two words printed over each other;
- ``overflow``: text running out of its table cell into the next (poppler joins touching words into
  one, so a word pushed into its neighbour is found from the printer's boxes, not from the PDF).

The PDF is read with poppler: ``pdftotext -bbox-layout`` gives every word's box and every text
block's box per page, ``pdftoppm`` a coarse grey rendering (1 mm a pixel) that shows the charts and
rules. Where the body rows of a table and the headings fell is read from WeasyPrint's own boxes
while printing (:func:`collabstate.report.pdf.layout_facts`): that is the layout itself, not a
guess from text positions, and it needs no markers in the page.

>>> problems = check_pdf(paths.pdf, paths.pdf_layout)   # doctest: +SKIP
>>> [str(p) for p in problems]                          # doctest: +SKIP
['page 9: only 6% of the page is used (under 15%): the next block did not fit']
"""

from __future__ import annotations

import html
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["MIN_INK", "MIN_ROWS", "Problem", "check_pdf", "ink_shares", "read_words"]

#: A page with less than this share of its printable area inked is nearly empty. A full page of
#: text or a table inks 70–95% of it; a section's last page with a paragraph or a chart about
#: 25–50%; the defect (a page holding the one row or line that did not fit before the next block
#: was pushed over) under 10%. 15% is about 4 cm of full-width content.
MIN_INK = 0.15
#: The fewest body rows a piece of a split table may have on a page.
MIN_ROWS = 3
#: The printable area: the page margins of print.css (``@page { margin: 18mm 15mm 20mm 15mm }``).
MARGINS_MM = (18.0, 15.0, 20.0, 15.0)
#: Ink is counted in square tiles of this side (mm): a tile is inked when anything is drawn in it.
TILE_MM = 5
#: Words overlap when their boxes share more than this width (pt) over at least half the smaller's height.
OVERLAP_PT = 1.0
PT_PER_MM = 72 / 25.4

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_BLOCK = re.compile(r'<block xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">')
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


@dataclass(frozen=True)
class Problem:
    page: int
    check: str
    what: str

    def __str__(self) -> str:
        return f"page {self.page}: {self.what} [{self.check}]"


@dataclass
class PageText:
    number: int
    width: float
    height: float
    blocks: np.ndarray  # (n, 4): xMin, yMin, xMax, yMax in pt
    boxes: np.ndarray  # (n, 4) the words' boxes
    words: list[str]


def read_words(pdf: Path) -> list[PageText]:
    """Every page's text blocks and words with their boxes (``pdftotext -bbox-layout``)."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for number, match in enumerate(_PAGE.finditer(out), start=1):
        body = match.group(3)
        blocks = np.array([[float(v) for v in b] for b in _BLOCK.findall(body)], dtype=float).reshape(-1, 4)
        found = _WORD.findall(body)
        boxes = np.array([[float(v) for v in w[:4]] for w in found], dtype=float).reshape(-1, 4)
        pages.append(PageText(number, float(match.group(1)), float(match.group(2)), blocks, boxes, [html.unescape(w[4]) for w in found]))
    return pages


def _printable(page: PageText, margins: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    top, right, bottom, left = (m * PT_PER_MM for m in margins)
    return left, top, page.width - right, page.height - bottom


def _grey_pages(pdf: Path) -> list[np.ndarray]:
    """Each page in grey at 25.4 dpi: a pixel a millimetre."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "25.4", "-gray", str(pdf), f"{tmp}/p"], check=True, capture_output=True)
        return [_read_pgm(f) for f in sorted(Path(tmp).glob("p-*.pgm"), key=lambda f: int(f.stem.split("-")[-1]))]


def _read_pgm(path: Path) -> np.ndarray:
    data = path.read_bytes()
    fields: list[bytes] = []
    at = 0
    while len(fields) < 4:  # magic, width, height, maximum, each after whitespace (no comments from pdftoppm)
        while data[at : at + 1].isspace():
            at += 1
        start = at
        while not data[at : at + 1].isspace():
            at += 1
        fields.append(data[start:at])
    width, height = int(fields[1]), int(fields[2])
    return np.frombuffer(data, dtype=np.uint8, count=width * height, offset=at + 1).reshape(height, width)


def ink_shares(pdf: Path, pages: list[PageText] | None = None, margins: tuple[float, float, float, float] = MARGINS_MM) -> list[float]:
    """Per page, the share of the printable area's tiles that hold ink: a text block, or any drawn
    pixel (a chart, an image, a rule, a shaded band) of the grey rendering."""
    pages = pages if pages is not None else read_words(pdf)
    greys = _grey_pages(pdf)
    shares = []
    for page, grey in zip(pages, greys):
        left, top, right, bottom = _printable(page, margins)
        mm = 1 / PT_PER_MM
        x0, y0, x1, y1 = int(left * mm), int(top * mm), int(right * mm), int(bottom * mm)
        inked = grey[y0:y1, x0:x1] < 245
        for bx0, by0, bx1, by1 in page.blocks:
            inked[
                max(0, int(by0 * mm) - y0) : max(0, int(by1 * mm) + 1 - y0), max(0, int(bx0 * mm) - x0) : max(0, int(bx1 * mm) + 1 - x0)
            ] = True
        rows, cols = inked.shape[0] // TILE_MM, inked.shape[1] // TILE_MM
        tiles = inked[: rows * TILE_MM, : cols * TILE_MM].reshape(rows, TILE_MM, cols, TILE_MM).any(axis=(1, 3))
        shares.append(float(tiles.mean()))
    return shares


def _empty_pages(pdf: Path, pages: list[PageText], min_ink: float, margins: tuple[float, float, float, float]) -> list[Problem]:
    shares = ink_shares(pdf, pages, margins)
    return [
        Problem(n, "empty-page", f"only {share:.0%} of the page is used (under {min_ink:.0%}): the next block did not fit")
        for n, share in enumerate(shares[:-1], start=1)
        if share < min_ink and n > 1  # the cover is a title on an empty page by design
    ]


def _table_splits(layout: dict, min_rows: int) -> list[Problem]:
    problems = []
    for table in layout.get("tables", []):
        on: dict[int, int] = {}
        for page in table["rows"]:
            on[page] = on.get(page, 0) + 1
        if len(on) < 2:
            continue
        for page, count in sorted(on.items()):
            if count < min_rows:
                problems.append(
                    Problem(
                        page,
                        "table-split",
                        f"table {table['id']} is split leaving {count} of its {len(table['rows'])} rows on this page (under {min_rows})",
                    )
                )
    return problems


def _headings_at_foot(pages: list[PageText], layout: dict, margins: tuple[float, float, float, float]) -> list[Problem]:
    problems = []
    by_number = {p.number: p for p in pages}
    for heading in layout.get("headings", []):
        page = by_number.get(heading["page"])
        if page is None:
            continue
        _, _, _, bottom = _printable(page, margins)
        boxes = page.boxes
        after = (boxes[:, 1] >= heading["bottom"] - 1.0) & (boxes[:, 3] <= bottom)
        if not after.any():
            problems.append(Problem(page.number, "heading-at-foot", f"the heading “{heading['text'][:60]}” is the last text on the page"))
    return problems


def _overlaps(pages: list[PageText], tolerance: float) -> list[Problem]:
    problems = []
    for page in pages:
        b = page.boxes
        if len(b) < 2:
            continue
        ix = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
        iy = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
        heights = b[:, 3] - b[:, 1]
        smaller = np.minimum(heights[:, None], heights[None, :])
        hit = np.triu((ix > tolerance) & (iy > 0.5 * smaller), k=1)
        for i, j in zip(*np.nonzero(hit)):
            problems.append(Problem(page.number, "overlap", f"“{page.words[i]}” and “{page.words[j]}” are printed over each other"))
    return problems


def _overflows(layout: dict) -> list[Problem]:
    return [
        Problem(o["page"], "overflow", f"the text “{o['text'][:50]}” runs {o['by']:g} pt out of its table cell into the next")
        for o in layout.get("overflows", [])
    ]


def check_pdf(
    pdf: Path,
    layout: dict,
    *,
    min_ink: float = MIN_INK,
    min_rows: int = MIN_ROWS,
    margins: tuple[float, float, float, float] = MARGINS_MM,
    overlap: float = OVERLAP_PT,
) -> list[Problem]:
    """Every layout problem of the PDF, in page order; ``layout``: the printer's facts
    (``ReportPaths.pdf_layout``)."""
    pages = read_words(Path(pdf))
    problems = [
        *_empty_pages(Path(pdf), pages, min_ink, margins),
        *_table_splits(layout, min_rows),
        *_headings_at_foot(pages, layout, margins),
        *_overlaps(pages, overlap),
        *_overflows(layout),
    ]
    return sorted(problems, key=lambda p: (p.page, p.check))
