"""Reading a caseload file: an .xlsx workbook (openpyxl, read-only) or a .csv of the persons sheet.

Everything that makes a file unreadable as a whole is refused here with one Chinese message
(`FileRefused`): not a spreadsheet, an old .xls, too many rows, merged cells, a missing or
unknown header. What is wrong in one cell is left to the row checks, which name row and column.
"""

import csv
import html
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from caseload.columns import (
    MAX_BYTES,
    MAX_HISTORY_ROWS,
    MAX_ROWS,
    PERSONS_SHEET,
    SHEETS,
    Column,
)


class FileRefused(ValueError):
    """The file cannot be imported at all; the message says why, in Chinese."""


@dataclass
class Cell:
    value: object
    formula: bool = False


@dataclass
class Sheet:
    name: str
    columns: dict[str, int]  # column key -> position
    rows: list[tuple[int, list[Cell]]]  # (row number as the user sees it, cells)

    def value(self, cells: list[Cell], key: str) -> Cell:
        index = self.columns.get(key)
        if index is None or index >= len(cells):
            return Cell(None)
        return cells[index]


def _headers(sheet_name: str, raw: list[object], layout: tuple[Column, ...]) -> dict[str, int]:
    by_header = {c.header: c for c in layout}
    columns: dict[str, int] = {}
    unknown = []
    for index, text in enumerate(raw):
        header = str(text).strip() if text is not None else ""
        if not header:
            continue
        column = by_header.get(header)
        if column is None:
            unknown.append(header)
        elif column.key in columns:
            raise FileRefused(
                _("工作表“%(sheet)s”的列“%(header)s”出现了两次。") % {"sheet": sheet_name, "header": header}
            )
        else:
            columns[column.key] = index
    missing = [c.header for c in layout if c.required and c.key not in columns]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("缺少必填列：%(names)s") % {"names": "、".join(missing)})
        if unknown:
            parts.append(_("无法识别的列：%(names)s") % {"names": "、".join(unknown)})
        raise FileRefused(
            _("工作表“%(sheet)s”的表头与模板不一致（%(detail)s）。请下载模板，按模板的列名填写。")
            % {"sheet": sheet_name, "detail": "；".join(parts)}
        )
    return columns


def _too_many(sheet_name: str, count: int, limit: int) -> FileRefused:
    return FileRefused(
        _(
            "工作表“%(sheet)s”有 %(count)d 行，超过每个文件 %(limit)d 行的上限。请按乡镇（街道）或社区分成几个文件导入。"
        )
        % {"sheet": sheet_name, "count": count, "limit": limit}
    )


_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+\d+:[A-Z]+\d+)"')

# The cells of a worksheet's XML as Excel, WPS and openpyxl write it (the default namespace, one
# <c> element a cell). openpyxl's own reader converts every cell through its styles, which costs
# a minute for a county's three years of tests; the checks only need the raw value (a date column
# takes an Excel serial number as it takes a date), so the cells are read from the XML directly.
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_TYPE = re.compile(rb'\bt="(\w+)"')
_VALUE = re.compile(rb"<v>(.*?)</v>", re.S)
_TEXT = re.compile(rb"<t\b[^>]*>(.*?)</t>", re.S)
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_letters: dict[bytes, int] = {}


def _column_index(letters: bytes) -> int:
    index = _letters.get(letters)
    if index is None:
        index = 0
        for ch in letters:
            index = index * 26 + ch - 64
        index = _letters[letters] = index - 1
    return index


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    return html.unescape(text) if "&" in text else text


def _number(raw: bytes):
    text = raw.decode("ascii").strip()
    try:
        return int(text)
    except ValueError:
        value = float(text)
        return int(value) if value.is_integer() and abs(value) < 2**53 else value


# The common cell, in one match: reference, optional style and type, then a plain value or a
# plain inline string. Every other cell (a formula, rich text, other attributes) goes through
# the general reading below.
_PLAIN = re.compile(
    rb'<c r="([A-Z]{1,3})(\d+)"(?: s="\d+")?(?: t="(n|s|inlineStr|b|str|e)")?(?: s="\d+")?\s*'
    rb"(?:/>|>(?:<v>([^<]*)</v>|<is><t>([^<]*)</t></is>)?</c>)"
)
EMPTY = Cell(None)


def _plain_cells(xml: bytes, shared: list) -> list[tuple[int, list[Cell]]] | None:
    """The cells of a sheet whose every cell is of the common form, or None."""
    found = _PLAIN.findall(xml)
    if len(found) != xml.count(b"<c ") + xml.count(b"<c>"):
        return None
    rows: dict[int, list[Cell]] = {}
    index = _column_index
    for letters, number, kind, raw, inline in found:
        if not raw and not inline:
            continue
        if kind == b"s":
            value = shared[int(raw)]
        elif kind == b"inlineStr":
            value = _xml_text(inline)
        elif kind in (b"str", b"e"):
            value = _xml_text(raw)
        elif kind == b"b":
            value = raw == b"1"
        else:
            value = _number(raw)
        cells = rows.get(number)
        if cells is None:
            cells = rows[number] = []
        column = index(letters)
        if len(cells) < column:
            cells.extend([EMPTY] * (column - len(cells)))
        if len(cells) == column:
            cells.append(Cell(value))
        else:
            cells[column] = Cell(value)
    return sorted((int(n), cells) for n, cells in rows.items())


def _sheet_cells(xml: bytes, shared: list) -> list[tuple[int, list[Cell]]] | None:
    """Return (row number, cells) for every row of a worksheet's XML, or None when the XML is
    not in the plain form (then openpyxl reads it)."""
    if b"<sheetData" not in xml:
        return None
    plain = _plain_cells(xml, shared)
    if plain is not None:
        return plain
    rows: dict[int, list[Cell]] = {}
    column = row_number = 0
    for match in _CELL.finditer(xml):
        attrs, inner = match.group(1), match.group(2)
        ref = _REF.search(attrs)
        if ref is not None:
            column, row_number = _column_index(ref.group(1)), int(ref.group(2))
        elif row_number == 0:
            return None  # cells without references: leave the positions to openpyxl
        else:
            column += 1
        if not inner:
            continue
        kind = _TYPE.search(attrs)
        kind = kind.group(1) if kind is not None else b"n"
        formula = b"<f" in inner
        value_match = _VALUE.search(inner)
        raw = value_match.group(1) if value_match is not None else None
        if kind == b"s":
            value = shared[int(raw)] if raw is not None else None
            value = str(value) if value is not None else None
        elif kind == b"inlineStr":
            if inner.startswith(b"<is><t>") and inner.endswith(b"</t></is>") and b"<" not in inner[7:-9]:
                value = _xml_text(inner[7:-9])
            else:
                value = _xml_text(b"".join(_TEXT.findall(_PHONETIC.sub(b"", inner))))
        elif kind in (b"str", b"e"):
            value = _xml_text(raw) if raw is not None else ""
        elif kind == b"b":
            value = raw == b"1"
        elif raw is None:
            value = None
        else:
            value = _number(raw)
        if formula:
            value = value if value is not None else ""
        cells = rows.get(row_number)
        if cells is None:
            cells = rows[row_number] = []
        if len(cells) < column:
            cells.extend([EMPTY] * (column - len(cells)))
        if len(cells) == column:
            cells.append(Cell(value, formula))
        else:
            cells[column] = Cell(value, formula)
    return sorted(rows.items())


_SHEET_ENTRY = re.compile(rb"<sheet\b([^>]*)/?>")
_RELATION = re.compile(rb"<Relationship\b([^>]*)/?>")
_SI = re.compile(rb"<si>(.*?)</si>", re.S)


def _attr(attrs: bytes, name: bytes) -> str | None:
    match = re.search(rb"(?:^|\s)" + re.escape(name) + rb'="([^"]*)"', attrs)
    return html.unescape(match.group(1).decode("utf-8")) if match else None


def _parts(archive: zipfile.ZipFile) -> tuple[dict[str, str], list[str]] | None:
    """Return (sheet name -> path in the archive, shared strings) from the workbook's own XML, or
    None where it is not in the plain form (then openpyxl reads the workbook)."""
    try:
        workbook = archive.read("xl/workbook.xml")
        relations = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    targets = {}
    for match in _RELATION.finditer(relations):
        rid, target = _attr(match.group(1), b"Id"), _attr(match.group(1), b"Target")
        if rid and target:
            targets[rid] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    paths = {}
    for match in _SHEET_ENTRY.finditer(workbook):
        name, rid = _attr(match.group(1), b"name"), _attr(match.group(1), b"r:id")
        if name is None or rid not in targets:
            return None
        paths[name] = targets[rid]
    if not paths:
        return None
    shared: list[str] = []
    if "xl/sharedStrings.xml" in archive.namelist():
        for match in _SI.finditer(archive.read("xl/sharedStrings.xml")):
            inner = match.group(1)
            if inner.startswith(b"<t>") and inner.endswith(b"</t>") and b"<t" not in inner[3:]:
                shared.append(_xml_text(inner[3:-4]))
            else:
                shared.append(_xml_text(b"".join(_TEXT.findall(_PHONETIC.sub(b"", inner)))))
    return paths, shared


def _openpyxl_rows(content: bytes) -> dict[str, list[tuple[int, list[Cell]]]]:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    try:
        return {
            name: [
                (number, [Cell(c.value, getattr(c, "data_type", None) == "f") for c in row])
                for number, row in enumerate(workbook[name].iter_rows(), start=1)
            ]
            for name in workbook.sheetnames
            if name in SHEETS
        } | {name: [] for name in workbook.sheetnames if name not in SHEETS}
    finally:
        workbook.close()


def _read_xlsx(content: bytes) -> dict[str, Sheet]:
    damaged = _("文件已损坏或不是 Excel 工作簿（.xlsx），无法读取。")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        parts = _parts(archive)
        raw: dict[str, list | None]
        if parts is None:
            raw = _openpyxl_rows(content)
            paths = {}
        else:
            paths, shared = parts
            raw = dict.fromkeys(paths)
    except FileRefused:
        raise
    except Exception as exc:  # zipfile and openpyxl raise a dozen kinds for a damaged file
        raise FileRefused(damaged) from exc
    if PERSONS_SHEET not in raw:
        raise FileRefused(
            _("工作簿中没有名为“%(sheet)s”的工作表。请下载模板，按模板填写。") % {"sheet": PERSONS_SHEET}
        )
    sheets: dict[str, Sheet] = {}
    for name, layout in SHEETS.items():
        if name not in raw:
            continue
        limit = MAX_ROWS if name == PERSONS_SHEET else MAX_HISTORY_ROWS
        rows = raw[name]
        if name in paths:
            try:
                xml = archive.read(paths[name])
            except Exception as exc:
                raise FileRefused(damaged) from exc
            # Merged cells: one value spread over several cells cannot be read as one row each.
            merged = _MERGE.findall(xml)
            if merged:
                raise FileRefused(
                    _("工作表“%(sheet)s”有合并单元格（%(ranges)s）。请取消合并，每个单元格填一个值。")
                    % {"sheet": name, "ranges": "、".join(m.decode() for m in merged[:5])}
                )
            rows = _sheet_cells(xml, shared)
            if rows is None:
                rows = _openpyxl_rows(content)[name]
        if not rows or rows[0][0] != 1:
            raise FileRefused(_("工作表“%(sheet)s”是空的，或第一行不是表头。") % {"sheet": name})
        if len(rows) - 1 > limit:
            raise _too_many(name, len(rows) - 1, limit)
        columns = _headers(name, [c.value for c in rows[0][1]], layout)
        data: list[tuple[int, list[Cell]]] = []
        for number, cells in rows[1:]:
            if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells):
                continue
            data.append((number, cells))
        sheets[name] = Sheet(name, columns, data)
    return sheets


def _read_csv(content: bytes) -> dict[str, Sheet]:
    # Excel on a Chinese Windows saves CSV in GB 18030 (GBK); elsewhere it is UTF-8, maybe with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRefused(_("文件不是 Excel（.xlsx）或 CSV 文件，无法读取。"))
    if "\x00" in text:
        raise FileRefused(_("文件不是 Excel（.xlsx）或 CSV 文件，无法读取。"))
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise FileRefused(_("文件是空的。"))
    if not any(str(h).strip() in {c.header for c in SHEETS[PERSONS_SHEET]} for h in header):
        raise FileRefused(_("文件不是按模板填写的名册（第一行应是模板的列名）。请下载模板，按模板填写。"))
    columns = _headers(PERSONS_SHEET, header, SHEETS[PERSONS_SHEET])
    data = []
    for number, row in enumerate(reader, start=2):
        if not any(v.strip() for v in row):
            continue
        data.append((number, [Cell(v if v.strip() else None, v.startswith("=")) for v in row]))
        if len(data) > MAX_ROWS:
            raise _too_many(PERSONS_SHEET, len(data), MAX_ROWS)
    return {PERSONS_SHEET: Sheet(PERSONS_SHEET, columns, data)}


def workbook_read(name: str, content: bytes) -> dict[str, Sheet]:
    """Return the sheets of the file by name, or raise FileRefused."""
    if not content:
        raise FileRefused(_("文件是空的。"))
    if len(content) > MAX_BYTES:
        raise FileRefused(_("文件超过 %(mb)d MB，请分成几个文件导入。") % {"mb": MAX_BYTES // (1024 * 1024)})
    if content[:4] == b"\xd0\xcf\x11\xe0":
        raise FileRefused(
            _("这是旧版 Excel（.xls）文件。请在 Excel 中“另存为”Excel 工作簿（.xlsx）后再导入。")
        )
    if content[:2] == b"PK":
        return _read_xlsx(content)
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise FileRefused(_("文件已损坏或不是 Excel 工作簿（.xlsx），无法读取。"))
    return _read_csv(content)


# -- values

_DATE_TEXT = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 on the 1900 system, past its 1900 leap-year bug


def date_parse(value: object) -> date:
    """Return the date in a cell: a date, an Excel serial number, or text as 2027-03-01,
    2027/3/1, 2027.3.1, 2027年3月1日 or 20270301; raise ValueError with a Chinese message."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date with a time of day is a serial with a fraction: the day is its whole part.
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError(_("不是有效的日期"))
    text = str(value).strip().replace(" ", "")
    if text.isdigit() and len(text) == 5:  # a serial number that came through a CSV
        return EXCEL_EPOCH + timedelta(days=int(text))
    text = text.split("T")[0].split("00:00:00")[0]
    for pattern in _DATE_TEXT:
        match = pattern.match(text)
        if match:
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError:
                raise ValueError(_("日期不存在")) from None
    raise ValueError(_("日期格式无法识别（可写作 2027-03-01、2027/3/1 或 2027年3月1日）"))


def text_of(value: object) -> str:
    """Return a cell as text: a whole number typed into a number cell loses its '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()
