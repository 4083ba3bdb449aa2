"""The report's tables as a workbook: a sheet per section and a notes sheet.

Every figure is written as a number with its 95% interval, its base, its significance letters
and its flags, so the workbook can be reused without the report. A suppressed estimate is
written as the word ``suppressed`` (never a number) and its base as ``under 10`` (the report's
suppression base; the interval's level is the report's too).
"""

from __future__ import annotations

import re
from pathlib import Path

import xlsxwriter

from .html import view_models
from .model import DEFAULT_READING, Cell, Reading, Report, Table

__all__ = ["sheet_names", "write_xlsx"]


def sub_headers(reading: Reading) -> tuple[str, ...]:
    """The columns under each figure's heading: ('estimate', '95% low', '95% high', …)."""
    return ("estimate", f"{reading.percent} low", f"{reading.percent} high", "base (n)", "letters", "flags")


#: How many columns each figure takes.
SUB = len(sub_headers(DEFAULT_READING))
FLAG_WORDS = {"low_base": "low base", "no_valid_answers": "no valid answers", "empty_group": "empty group", "no_interval": "no interval"}


def sheet_names(report: Report) -> dict[str, str]:
    """Section id -> a valid, unique sheet name (31 characters at most)."""
    names: dict[str, str] = {}
    used = {"notes"}
    for s in report.sections:
        base = re.sub(r"[\[\]:*?/\\']", "", s.title)[:31].strip() or s.id[:31]
        name, k = base, 2
        while name.lower() in used:
            suffix = f" ({k})"
            name, k = base[: 31 - len(suffix)] + suffix, k + 1
        used.add(name.lower())
        names[s.id] = name
    return names


class _Writer:
    def __init__(self, book: xlsxwriter.Workbook, reading: Reading = DEFAULT_READING):
        self.book, self.reading = book, reading
        self.bold = book.add_format({"bold": True})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.head = book.add_format({"bold": True, "bg_color": "#E8ECF0", "text_wrap": True, "valign": "top"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.muted = book.add_format({"italic": True, "font_color": "#555555"})
        self.fmt = {
            "share": book.add_format({"num_format": "0.0%"}),
            "change": book.add_format({"num_format": "+0.0%;-0.0%;0.0%"}),
            "mean": book.add_format({"num_format": "0.00"}),
            "gap": book.add_format({"num_format": "+0.00;-0.00;0.00"}),
            "count": book.add_format({"num_format": "#,##0"}),
        }

    def cell_values(self, sheet, row: int, col: int, cell: Cell) -> None:
        fmt = self.fmt.get(cell.kind)
        if cell.suppressed:
            sheet.write_string(row, col, "suppressed", self.muted)
        # A shown cell has a finite estimate, and a non-empty interval two finite ends: the `is not None`
        # checks are always true there and only tell the type checker so.
        elif cell.shown and cell.estimate is not None:
            sheet.write_number(row, col, float(cell.estimate), fmt)
            if cell.interval and cell.ci_low is not None and cell.ci_high is not None:
                sheet.write_number(row, col + 1, float(cell.ci_low), fmt)
                sheet.write_number(row, col + 2, float(cell.ci_high), fmt)
        if cell.suppressed:
            sheet.write_string(row, col + 3, cell.reading.suppressed_base, self.muted)
        elif cell.n is not None:
            sheet.write_number(row, col + 3, cell.n, self.fmt["count"])
        if cell.letters and cell.shown:
            sheet.write_string(row, col + 4, cell.letters)
        flags = [FLAG_WORDS.get(f, f) for f in cell.flags if f != "suppressed"]
        if flags:
            sheet.write_string(row, col + 5, "; ".join(flags))

    def table(self, sheet, row: int, table: Table) -> int:
        sheet.write_string(row, 0, table.caption, self.bold)
        row += 1
        text_cols = [all(r.cells[i].kind in ("text", "count") for r in table.rows if i < len(r.cells)) for i in range(len(table.columns))]
        sheet.write_string(row, 0, table.row_header, self.head)
        sheet.write_string(row + 1, 0, "", self.head)
        col = 1
        starts = []
        for column, is_text in zip(table.columns, text_cols):
            label = column.label + (f" {column.letter}" if column.letter else "")
            starts.append(col)
            if is_text:
                sheet.write_string(row, col, label, self.head)
                sheet.write_string(row + 1, col, "", self.head)
                col += 1
            else:
                sheet.merge_range(row, col, row, col + SUB - 1, label, self.head)
                for k, sub in enumerate(sub_headers(self.reading)):
                    sheet.write_string(row + 1, col + k, sub, self.head)
                col += SUB
        row += 2
        for r in table.rows:
            sheet.write_string(row, 0, r.label, self.wrap)
            for cell, start, is_text in zip(r.cells, starts, text_cols):
                if is_text:
                    if cell.kind == "count" and cell.shown and cell.estimate is not None:  # shown implies a finite estimate
                        sheet.write_number(row, start, float(cell.estimate), self.fmt["count"])
                    else:
                        sheet.write_string(row, start, cell.value, self.wrap)
                else:
                    self.cell_values(sheet, row, start, cell)
            row += 1
        for note in (n for n in table.notes if n):
            sheet.write_string(row, 0, note, self.muted)
            row += 1
        return row + 1


def write_xlsx(report: Report, path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    w = _Writer(book, report.reading)
    names = sheet_names(report)
    views = view_models(report)
    for s in report.sections:
        sheet = book.add_worksheet(names[s.id])
        sheet.set_column(0, 0, 46)
        sheet.set_column(1, 60, 11)
        sheet.write_string(0, 0, s.title, w.title)
        row = 2
        for p in s.intro:
            sheet.write_string(row, 0, p)
            row += 1
        if s.figures:
            for k, h in enumerate(("Measure", *sub_headers(report.reading), "Detail")):
                sheet.write_string(row, k, h, w.head)
            row += 1
            for f in s.figures:
                sheet.write_string(row, 0, f.label, w.wrap)
                w.cell_values(sheet, row, 1, f.cell)
                sheet.write_string(row, 1 + SUB, f.detail)
                row += 1
            row += 1
        for x in s.findings:
            sheet.write_string(row, 0, x)
            row += 1
        for heading, items in s.lists:
            sheet.write_string(row, 0, heading, w.bold)
            row += 1
            for x in items:
                sheet.write_string(row, 0, x)
                row += 1
        for q, quotes in s.quotes.items():
            sheet.write_string(row, 0, q, w.bold)
            row += 1
            for quote in quotes:
                sheet.write_string(row, 0, quote.text)
                sheet.write_string(row, 1, quote.attribution)
                row += 1
        row += 1
        for item in views[s.id]:
            table = item["chart"].data if item["chart"] else item["table"]
            if item["chart"] and not item["show_table"]:
                continue
            row = w.table(sheet, row, table)
    notes = book.add_worksheet("Notes")
    notes.set_column(0, 0, 120)
    lines = [report.title, report.subtitle, report.generated, "", *report.notes, ""]
    methods = next((s for s in report.sections if s.id == "methods"), None)
    if methods:
        for heading, items in methods.lists:
            lines += [heading, *items, ""]
    lines.append("Sheets: " + "; ".join(f"{names[s.id]} = {s.title}" for s in report.sections))
    for i, line in enumerate(lines):
        notes.write_string(i, 0, line, w.title if i == 0 else None)
    book.close()
    return path
