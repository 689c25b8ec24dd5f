"""Writing .xlsx files, streamed (openpyxl write-only mode), in the layout branches keep:
a title row, the header, then the rows; column widths fitted to Chinese text."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

_HEADER_FILL = PatternFill("solid", fgColor="EEF1F4")


def _width(text: str) -> float:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text) + 2


def write_workbook(
    fileobj,
    *,
    sheet_title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    title: str | None = None,
    widths: Sequence[float] | None = None,
) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title[:31])
    col_widths = list(widths) if widths else [max(_width(h), 10) for h in headers]
    for i, w in enumerate(col_widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    if title:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True, size=14)
        ws.append([cell])
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append([_cell_value(v) for v in row])
    wb.save(fileobj)


def _cell_value(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date | int | float) or value is None:
        return value
    # Text stays text: an ID number must never become a rounded number.
    return str(value)


def xlsx_response(filename: str, **kwargs) -> FileResponse:
    """An .xlsx download; the file is spooled to disk past 10 MB, so memory stays flat."""
    buffer = tempfile.SpooledTemporaryFile(max_size=10 * 1024 * 1024)  # noqa: SIM115 (closed by FileResponse)
    write_workbook(buffer, **kwargs)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
