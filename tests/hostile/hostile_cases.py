"""The hostile-input corpus (issue 14): every case is generated here, small on disk, never
downloaded. Each :class:`Case` writes its file(s) into a folder and names what a person must see:
the exit code(s) allowed and words of the message (on standard error for the command line, on
the page for the web).

Classes of input: decompression and expansion bombs (zip members, an XLSX's far cell and
dimension, shared strings shown a million times, Parquet's declared rows, YAML aliases), depth
(YAML nested 500 deep, a condition of 500 ``not``), names that look like patterns
(``survey[1].csv``), terminal markup and control characters, text that is not UTF-8 or holds NUL,
huge fields, truncated rows and quotes, byte-order marks, empty files and binary junk.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PULSE = """\
id: pulse
title: Partnership pulse
questions:
  - id: works
    type: single
    text: Is the partnership working?
    choices:
      - {code: 1, label: Yes}
      - {code: 2, label: No}
  - id: why_not
    type: text
    text: What would help?
    relevant: works == 2
  - id: partners
    type: number
    text: How many partners are there?
    integer: true
    minimum: 0
"""

GOOD_CSV = b"respondent_id,works,why_not,partners\n1,1,,3\n2,2,More time,12\n"


@dataclass
class Case:
    """``make(folder)`` writes the case and returns the path to give; ``codes``: the exit codes
    allowed; ``says``: words the message holds (all of them); ``web``: the status codes allowed
    on the upload page (None: not an upload case)."""

    name: str
    make: Callable[[Path], Path]
    says: tuple[str, ...] = ()
    codes: tuple[int, ...] = (1,)
    web: tuple[int, ...] | None = (200,)
    xfail: str | None = None
    extra: dict = field(default_factory=dict)


def _bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    return make


# --- zip and XLSX ------------------------------------------------------------------------------

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Answers" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)


def sheet_xml(rows: str, dimension: str = "A1:D3") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    )


def shared_xml(strings: list[str]) -> str:
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    )


#: The header and two rows of answers: shared strings 0-3 head the columns.
HEADER_STRINGS = ["respondent_id", "works", "why_not", "partners"]
GOOD_ROWS = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'
    '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>1</v></c><c r="D2"><v>3</v></c></row>'
    '<row r="3"><c r="A3"><v>2</v></c><c r="B3"><v>2</v></c><c r="D3"><v>12</v></c></row>'
)


def workbook(sheet: str | bytes, strings: list[str] | str | None = None, *, sheet_part: str = "worksheets/sheet1.xml",
             strings_part: str = "sharedStrings.xml") -> bytes:  # fmt: skip
    """An XLSX workbook with one sheet, ``Answers``; its parts under ``xl/`` as named."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            WORKBOOK_RELS.replace("worksheets/sheet1.xml", sheet_part).replace("sharedStrings.xml", strings_part),
        )
        z.writestr(f"xl/{strings_part}", strings if isinstance(strings, str) else shared_xml(strings or HEADER_STRINGS))
        z.writestr(f"xl/{sheet_part}", sheet)
    return out.getvalue()


def deflated_zeros(total: int) -> bytes:
    """A raw deflate stream of ``total`` zero bytes (a multiple of 1 MiB), made in milliseconds:
    one MiB compressed once, ending with a full flush (so it refers to nothing before it),
    repeated, then an empty final block."""
    unit = 1 << 20
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = block.compress(b"\0" * unit) + block.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    return one * (total // unit) + end


def raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive of members given as (name, deflated data, declared size, CRC): what a forger
    writes, sizes and checksums as they please (no ZIP64: sizes under 4 GiB)."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, size, crc in members:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0) + encoded + data)
        central.write(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0, 0, 0, 0, 0, offset)
            + encoded
        )
    start, directory = out.tell(), central.getvalue()
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), start, 0))
    return out.getvalue()


def _deflate(text: str | bytes) -> tuple[bytes, int, int]:
    raw = text.encode() if isinstance(text, str) else text
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(raw) + c.flush(), len(raw), zlib.crc32(raw)


def forged_workbook(sheet: tuple[bytes, int, int]) -> bytes:
    """A workbook whose sheet is ``(deflated data, declared size, crc)`` as given."""
    parts = [(name, *_deflate(text)) for name, text in
             [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS), ("xl/workbook.xml", WORKBOOK),
              ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS), ("xl/sharedStrings.xml", shared_xml(HEADER_STRINGS))]]  # fmt: skip
    return raw_zip([(name, data, size, crc) for name, data, size, crc in parts] + [("xl/worksheets/sheet1.xml", *sheet)])


def zip_bomb(folder: Path) -> Path:
    """The issue's zip bomb: a sheet that declares (and holds) 3.5 GB of zeros, 3.5 MB compressed."""
    size = 3584 << 20
    return _bytes("bomb.xlsx", forged_workbook((deflated_zeros(size), size, 0)))(folder)


def lying_zip(folder: Path) -> Path:
    """A sheet that declares 1 KB but expands to 64 MB: the reader after the check believes the data.
    Its checksum is that of one byte more than declared: a reader that reads on past the declared
    size finds nothing amiss there."""
    return _bytes("lying.xlsx", forged_workbook((deflated_zeros(64 << 20), 1024, zlib.crc32(bytes(1025)))))(folder)


def ratio_bomb(folder: Path) -> Path:
    """A sheet of 200 MB of zeros in 200 KB, declared honestly: under the memory limit, over the ratio."""
    size = 200 << 20
    return _bytes("ratio.xlsx", forged_workbook((deflated_zeros(size), size, 0)))(folder)


def shared_string_bomb(folder: Path) -> Path:
    """One shared string of 1 MB shown by 100,000 cells: 100 GB once each cell has its copy."""
    rows = GOOD_ROWS + "".join(f'<row r="{i}"><c r="C{i}" t="s"><v>4</v></c></row>' for i in range(4, 100_004))
    return _bytes("strings.xlsx", workbook(sheet_xml(rows, "A1:D100003"), [*HEADER_STRINGS, "x" * (1 << 20)]))(folder)


def shared_strings_renamed(folder: Path) -> Path:
    """The same, with the shared strings in a part of another name that the relationships name."""
    rows = GOOD_ROWS + "".join(f'<row r="{i}"><c r="C{i}" t="s"><v>4</v></c></row>' for i in range(4, 100_004))
    data = workbook(sheet_xml(rows, "A1:D100003"), [*HEADER_STRINGS, "x" * (1 << 20)], strings_part="text.bin")
    return _bytes("renamed.xlsx", data)(folder)


def many_members(folder: Path) -> Path:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for i in range(10_001):
            z.writestr(f"x/{i}", b"")
    return _bytes("members.xlsx", out.getvalue())(folder)


# --- Parquet, SPSS -------------------------------------------------------------------------------


def parquet_rows(folder: Path) -> Path:
    """A Parquet file that declares 300 million rows of two null columns (1 MB on disk)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 300_000_000
    path = folder / "rows.parquet"
    pq.write_table(pa.table({"respondent_id": pa.nulls(n), "works": pa.nulls(n)}), path, row_group_size=n)
    return path


def sav_truncated(folder: Path) -> Path:
    import pandas as pd
    import pyreadstat

    path = folder / "cut.sav"
    pyreadstat.write_sav(pd.DataFrame({"respondent_id": [1.0, 2.0], "works": [1.0, 2.0]}), str(path))
    path.write_bytes(path.read_bytes()[:300])
    return path


# --- glob names, markup --------------------------------------------------------------------------


def glob_one(folder: Path) -> Path:
    """``survey[1].csv`` beside ``survey1.csv``: a pattern would read the other file (1 row, not 2)."""
    (folder / "survey1.csv").write_bytes(b"respondent_id,works\n9,1\n")
    return _bytes("survey[1].csv", GOOD_CSV)(folder)


def glob_two(folder: Path) -> Path:
    """``wave[12].csv`` beside ``wave1.csv`` and ``wave2.csv``: a pattern would read both (4 rows)."""
    (folder / "wave1.csv").write_bytes(b"respondent_id,works\n7,1\n8,1\n")
    (folder / "wave2.csv").write_bytes(b"respondent_id,works\n5,1\n6,1\n")
    return _bytes("wave[12].csv", b"respondent_id,works\n1,1\n")(folder)


def markup_path(folder: Path) -> Path:
    """A file whose path is ``[/].csv`` (a folder named ``[`` holding ``].csv``)."""
    return _bytes("[/].csv", b"respondent_id,works\n1,[/]\n")(folder)


# --- YAML ----------------------------------------------------------------------------------------


def laughs(levels: int = 9) -> str:
    names = "abcdefghijklmnopqrstuvwxyz"
    lines = [f'{names[0]}: &{names[0]} ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"{names[i]}: &{names[i]} [{', '.join([f'*{names[i - 1]}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def with_pulse(extra: str) -> str:
    return PULSE + extra


# fmt: off
INSTRUMENTS: list[Case] = [
    Case("alias_bomb", _bytes("laughs.yaml", with_pulse(laughs()).encode()), ("laughs.yaml", "line 25", "repeats values")),
    Case("recursive_alias", _bytes("loop.yaml", with_pulse("source: &s [1, *s]\n").encode()), ("loop.yaml", "recursive alias")),
    Case(
        "nested_500_flow",
        _bytes("deep.yaml", with_pulse("source: " + "[" * 500 + "]" * 500 + "\n").encode()),
        ("deep.yaml", "line 19", "nested more than 64 levels deep"),
    ),
    Case(
        "nested_500_block",
        _bytes("deepb.yaml", with_pulse("source:\n" + "".join("  " * i + "-\n" for i in range(1, 501))).encode()),
        ("deepb.yaml", "nested more than 64 levels deep"),
    ),
    Case(
        "not_500",
        _bytes("nots.yaml", PULSE.replace("relevant: works == 2", "relevant: " + "not " * 500 + "works == 2").encode()),
        ("nots.yaml", "line 13", "questions[1].relevant", "nested more than 32 levels deep"),
    ),
    Case("list_key", _bytes("key.yaml", with_pulse("? [a, b]\n: 1\n").encode()), ("key.yaml", "line 19", "a key must be a name")),
    Case("nul_byte", _bytes("nul.yaml", with_pulse("source: a\x00b\n").encode()), ("nul.yaml", "line 19", "U+0000")),
    Case("latin1", _bytes("latin.yaml", with_pulse("source: caf\xe9\n").encode("latin-1")), ("latin.yaml", "not UTF-8")),
    Case(
        "escape_in_title",
        _bytes("esc.yaml", PULSE.replace("title: Partnership pulse", r'title: "Pulse\e[2J\e[31m"').encode()),
        ("esc.yaml", "line 2", "title", "U+001B"),
    ),
    Case(
        "crlf_in_title",
        _bytes("crlf.yaml", PULSE.replace("title: Partnership pulse", r'title: "Pulse\r\nBcc: x@example.org"').encode()),
        ("crlf.yaml", "line 2", "U+000D"),
    ),
    Case("empty", _bytes("empty.yaml", b""), ("empty.yaml", "expected a mapping")),
    Case("binary", _bytes("junk.yaml", random.Random(14).randbytes(4096)), ("junk.yaml",)),
    Case("bom", _bytes("bom.yaml", b"\xef\xbb\xbf" + PULSE.encode()), ("bom.yaml: ok",), codes=(0,)),
    Case("over_4mb", _bytes("big.yaml", with_pulse("source: " + "x" * (5 << 20) + "\n").encode()), ("big.yaml", "over 4 MB")),
    Case(
        "markup_title",
        _bytes("markup.yaml", PULSE.replace("title: Partnership pulse", 'title: "[/] Pulse [bold]"').encode()),
        ("markup.yaml: ok",),
        codes=(0,),
    ),
]

TARGETS: list[Case] = [
    Case("targets_alias_bomb", _bytes("t.yaml", laughs().encode()), ("t.yaml, line 7", "repeats values")),
    Case("targets_nested", _bytes("t.yaml", ("works: " + "{1: " * 500 + "1" + "}" * 500 + "\n").encode()), ("t.yaml, line 1", "nested")),
    Case("targets_latin1", _bytes("t.csv", b"variable,code,target\nworks,1,0.5\nworks,2,\xe9\n"), ("t.csv, line 3", "not UTF-8")),
    Case(
        "targets_huge_field",
        _bytes("t.csv", b"variable,code,target\nworks,1," + b"9" * 200_000 + b"\n"),
        ("t.csv, line 2", "cannot be read as CSV"),
    ),
    Case("targets_binary", _bytes("t.yaml", random.Random(15).randbytes(2048)), ("t.yaml",)),
]

#: Data files, for ``validate``, ``convert``, ``estimate`` and the web's import.
DATA: list[Case] = [
    Case("empty", _bytes("empty.csv", b""), ("empty.csv: the file is empty",)),
    Case("bom_only", _bytes("bom.csv", b"\xef\xbb\xbf"), ("bom.csv", "no header row")),
    Case("bom_header", _bytes("bomh.csv", b"\xef\xbb\xbf" + GOOD_CSV), ("bomh.csv: 2 rows read, 2 valid",), codes=(0,)),
    Case("nul_in_value", _bytes("nul.csv", b"respondent_id,works\n1,\x00\n"), ("nul.csv",)),
    Case("latin1", _bytes("latin.csv", b"respondent_id,works,why_not\n1,2,caf\xe9\n"), ("latin.csv", "not UTF-8", "line 2")),
    Case("utf16", _bytes("u16.csv", GOOD_CSV.decode().encode("utf-16")), ("u16.csv", "UTF-16")),
    Case("binary_junk", _bytes("junk.csv", random.Random(14).randbytes(8192)), ("junk.csv",)),
    Case("zip_named_csv", _bytes("book.csv", workbook(sheet_xml(GOOD_ROWS))), ("book.csv", "zip file")),
    Case(
        "huge_field",
        _bytes("huge.csv", b"respondent_id,works,why_not\n1,2," + b"y" * 200_000 + b"\n"),
        ("huge.csv, row 2, column why_not", "is too long"),
    ),
    Case(
        "huge_header",
        _bytes("hhead.csv", b"respondent_id,works," + b"h" * 200_000 + b"\n1,1,x\n"),
        ("hhead.csv: the header row holds a heading of more than 131,072 characters",),
    ),
    Case("unclosed_quote", _bytes("quote.csv", b'respondent_id,works,why_not\n1,2,"never closed\n2,1,\n'), ("quote.csv",)),
    Case(
        "truncated_last_row",
        _bytes("cut.csv", b"respondent_id,works,why_not,partners\n1,1,,3\n2,2"),
        ("cut.csv, row 3", "the row ends before this column"),
    ),
    Case("markup_header", _bytes("mh.csv", b"respondent_id,works,[/]\n1,1,x\n"), ("mh.csv, column [/]: unknown column",)),
    Case("markup_value", _bytes("mv.csv", b"respondent_id,works\n1,[/]\n2,[bold red]x[/]\n"), ("'[/]' is not valid", "'[bold red]x[/]'")),
    Case("escape_value", _bytes("esc.csv", b"respondent_id,works\n1,\x1b[2J\n"), ("esc.csv, row 2, column works", "[2J")),
    Case("markup_path", markup_path, ("[/].csv", "'[/]' is not valid"), web=None),
    Case("glob_one", glob_one, ("survey[1].csv: 2 rows read, 2 valid",), codes=(0,), web=None),
    Case("glob_two", glob_two, ("wave[12].csv: 1 rows read, 1 valid",), codes=(0,), web=None),
    Case(
        "xlsx_far_cell",
        _bytes("far.xlsx", workbook(sheet_xml(GOOD_ROWS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))),
        ("far.xlsx", "the sheet 'Answers' spans A1:XFD1048576", "COLLABSTATE_READ_MEMORY"),
    ),
    Case(
        "xlsx_dimension_far",
        _bytes("dim.xlsx", workbook(sheet_xml(GOOD_ROWS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1:XFD1048576"))),
        ("dim.xlsx", "A1:XFD1048576"),
    ),
    Case(
        "xlsx_dimension_only",
        _bytes("dimonly.xlsx", workbook(sheet_xml(GOOD_ROWS, "A1:XFD1048576"))),
        ("dimonly.xlsx: 2 rows read, 2 valid",),
        codes=(0,),
    ),
    Case(
        "xlsx_beyond_excel",
        _bytes("beyond.xlsx", workbook(sheet_xml(GOOD_ROWS + '<row r="2000000"><c r="A2000000"><v>1</v></c></row>'))),
        ("beyond.xlsx", "beyond Excel's last cell"),
    ),
    Case(
        "xlsx_cells_without_refs",
        _bytes("norefs.xlsx", workbook(sheet_xml(GOOD_ROWS + '<row r="1048576">' + "<c><v>1</v></c>" * 16384 + "</row>"))),
        ("norefs.xlsx", "A1:XFD1048576"),
    ),
    Case("xlsx_zip_bomb", zip_bomb, ("bomb.xlsx", "expands to 3.5 GB")),
    Case("xlsx_lying_sizes", lying_zip, ("lying.xlsx", "declares 1.0 KB but expands to more")),
    Case("xlsx_ratio", ratio_bomb, ("ratio.xlsx", "times", "zip bomb")),
    Case("xlsx_shared_strings_renamed", shared_strings_renamed, ("renamed.xlsx", "of shared text", "COLLABSTATE_READ_MEMORY")),
    Case("xlsx_sheet_renamed", _bytes("sheetbin.xlsx", workbook(sheet_xml(GOOD_ROWS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
                                                                sheet_part="data/answers.bin")),
         ("sheetbin.xlsx", "the sheet 'Answers' spans A1:XFD1048576")),
    Case("xlsx_shared_strings", shared_string_bomb, ("strings.xlsx", "of shared text", "COLLABSTATE_READ_MEMORY")),
    Case("xlsx_many_members", many_members, ("members.xlsx", "10,001 parts")),
    Case("xlsx_not_zip", _bytes("notzip.xlsx", b"respondent_id,works\n1,1\n"), ("notzip.xlsx", "cannot be read as an XLSX workbook")),
    Case("xlsx_truncated", _bytes("cut.xlsx", workbook(sheet_xml(GOOD_ROWS))[:700]), ("cut.xlsx", "cannot be read as an XLSX workbook")),
    Case("parquet_declared_rows", parquet_rows, ("rows.parquet", "declares 300,000,000 rows", "COLLABSTATE_READ_MEMORY")),
    Case(
        "parquet_junk",
        _bytes("junk.parquet", b"PAR1" + random.Random(3).randbytes(4000) + b"PAR1"),
        ("junk.parquet", "cannot be read as Parquet"),
    ),
    Case("sav_junk", _bytes("junk.sav", b"$FL2" + random.Random(4).randbytes(4000)), ("junk.sav", "cannot be read as an SPSS .sav file")),
    Case("sav_truncated", sav_truncated, ("cut.sav", "cannot be read as an SPSS .sav file")),
]
# fmt: on

#: One case of each class, for the commands that read as ``validate`` does (``convert``,
#: ``estimate``) and for the terminal.
SAMPLE = ("empty", "latin1", "binary_junk", "huge_field", "markup_value", "escape_value", "markup_path", "glob_two", "xlsx_far_cell",
          "xlsx_zip_bomb", "xlsx_shared_strings", "parquet_declared_rows", "sav_truncated")  # fmt: skip
SAMPLED = [case for case in DATA if case.name in SAMPLE]

#: Invitee lists for the web's invitee upload.
# fmt: off
INVITEES: list[Case] = [
    Case("invitees_latin1", _bytes("inv.csv", b"email,name\nzoe@example.org,Zo\xeb\n"), ("inv.csv: row 2, column (encoding)", "expected UTF-8 text")),
    Case("invitees_utf16", _bytes("inv.csv", "email\nzoe@example.org\n".encode("utf-16")), ("inv.csv: row 1, column (encoding)", "0xFF")),
    Case("invitees_nul", _bytes("inv.csv", b"email,name\nzoe@example.org,Z\x00e\n"), ("inv.csv: row 2, column name", "U+0000")),
    Case(
        "invitees_huge_field",
        _bytes("inv.csv", b"email,name\nzoe@example.org," + b"n" * 200_000 + b"\n"),
        ("inv.csv: row 2", "at most 131,072 characters"),
    ),
    Case("invitees_binary", _bytes("inv.csv", random.Random(5).randbytes(4096)), ("inv.csv",)),
    Case("invitees_markup", _bytes("inv.csv", b"email,name\n[/]@example.org,[bold]x[/]\n"), ("inv.csv: row 2, column email: '[/]@example.org'",)),
    Case("invitees_empty_header", _bytes("inv.csv", b"\n\n"), ("inv.csv",)),
]
# fmt: on
