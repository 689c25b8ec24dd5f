"""Building .xlsx files for the tests the way branches do: title rows, merged cells,
numbers where text belongs."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from vanguard.people import rules

ROSTER_HEADER = [
    "序号", "姓名", "性别", "公民身份号码", "出生年月", "政治面貌", "入党时间", "转正时间",
    "所在党支部", "党小组", "手机", "文化程度", "区队", "班组", "一线职工", "生产骨干", "备注",
]  # fmt: skip


def id_number(birth: date, seq: int) -> str:
    return rules.compose_id_number("140105", birth, seq)


def member_row(n: int, name: str, *, birth=date(1985, 3, 1), **override) -> list:
    """A valid full member of 综采一队党支部 / 第一党小组 in ROSTER_HEADER order."""
    row = {
        "序号": n,
        "姓名": name,
        "性别": "男",
        "公民身份号码": id_number(birth, 2 * n + 1),
        "出生年月": birth,
        "政治面貌": "中共党员",
        "入党时间": "2010.07.01",
        "转正时间": "2011年7月1日",
        "所在党支部": "综采一队党支部",
        "党小组": "第一党小组",
        "手机": f"139{n:08d}",
        "文化程度": "本科",
        "区队": "综采一队",
        "班组": "综采一班",
        "一线职工": "√",
        "生产骨干": "否",
        "备注": "",
    }
    row.update(override)
    return [row[h] for h in ROSTER_HEADER]


def build(
    rows, *, header=ROSTER_HEADER, titles=("综采一队党支部党员花名册",), merges=(), number_formats=None
):
    """An .xlsx in memory: title rows (merged across the header), the header, the rows.
    Returns a BytesIO positioned at 0 with a .name, like an upload."""
    wb = Workbook()
    ws = wb.active
    for t in titles:
        ws.append([t])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=len(header))
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    for ref in merges:
        ws.merge_cells(ref)
    for ref, fmt in (number_formats or {}).items():
        ws[ref].number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "花名册.xlsx"
    return buf


def save(tmp_path, name, buf) -> str:
    path = tmp_path / name
    path.write_bytes(buf.getvalue())
    return str(path)
