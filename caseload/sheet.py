"""Reading a caseload file: an .xlsx workbook (openpyxl, read-only) or a .csv of the persons sheet.

Everything that makes a file unreadable as a whole is refused here with one Chinese message
(`FileRefused`): not a spreadsheet, an old .xls, too many rows, merged cells, a missing or
unknown header. What is wrong in one cell is left to the row checks, which name row and column.
"""

import csv
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


def _read_xlsx(content: bytes) -> dict[str, Sheet]:
    import openpyxl

    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises a dozen kinds for a damaged file
        raise FileRefused(_("文件已损坏或不是 Excel 工作簿（.xlsx），无法读取。")) from exc
    sheets: dict[str, Sheet] = {}
    try:
        if PERSONS_SHEET not in workbook.sheetnames:
            raise FileRefused(
                _("工作簿中没有名为“%(sheet)s”的工作表。请下载模板，按模板填写。") % {"sheet": PERSONS_SHEET}
            )
        for name, layout in SHEETS.items():
            if name not in workbook.sheetnames:
                continue
            ws = workbook[name]
            limit = MAX_ROWS if name == PERSONS_SHEET else MAX_HISTORY_ROWS
            if ws.max_row and ws.max_row - 1 > limit:
                raise _too_many(name, ws.max_row - 1, limit)
            # Merged cells are not in the read-only reader: they are in the sheet's own XML.
            path = getattr(ws, "_worksheet_path", None)
            if path:
                merged = _MERGE.findall(archive.read(path.lstrip("/")))
                if merged:
                    raise FileRefused(
                        _("工作表“%(sheet)s”有合并单元格（%(ranges)s）。请取消合并，每个单元格填一个值。")
                        % {"sheet": name, "ranges": "、".join(m.decode() for m in merged[:5])}
                    )
            rows = ws.iter_rows()
            header_row = next(rows, None)
            if header_row is None:
                raise FileRefused(_("工作表“%(sheet)s”是空的。") % {"sheet": name})
            columns = _headers(name, [c.value for c in header_row], layout)
            data: list[tuple[int, list[Cell]]] = []
            for number, row in enumerate(rows, start=2):
                cells = [Cell(c.value, getattr(c, "data_type", None) == "f") for c in row]
                if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells):
                    continue
                data.append((number, cells))
                if len(data) > limit:
                    raise _too_many(name, len(data), limit)
            sheets[name] = Sheet(name, columns, data)
    finally:
        workbook.close()
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
        if 1 <= value < 2958466 and float(value).is_integer():
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
