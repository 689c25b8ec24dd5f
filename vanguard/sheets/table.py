"""Finding the header row of a sheet and mapping its columns by name.

Real rosters have one or more title rows above the header, columns in any order, under
their usual synonyms, sometimes with notes in the header ("出生日期（年月日）", "*姓名")."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from vanguard.sheets.reader import Row, column_letter
from vanguard.sheets.values import text

HEADER_SCAN_ROWS = 30


@dataclass(frozen=True)
class Column:
    key: str  # the caller's name for the column
    label: str  # the Chinese header, as the template writes it
    synonyms: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class TableProblem:
    row: int
    column: str
    message: str


@dataclass
class Header:
    row: int  # Excel's row number of the header
    index: dict[str, int]  # column key → 0-based column index
    titles: dict[str, str] = field(default_factory=dict)  # column key → header text as written
    problems: list[TableProblem] = field(default_factory=list)

    def letter(self, key: str) -> str:
        return column_letter(self.index[key])


_NOTES = re.compile(r"[（(【\[].*?[）)】\]]")


def header_key(value) -> str:
    """'* 出生日期（年月日）' → '出生日期'."""
    t = _NOTES.sub("", text(value))
    return re.sub(r"[\s*＊:：]", "", t)


def find_header(
    rows: Iterator[Row], columns: Sequence[Column], *, scan: int = HEADER_SCAN_ROWS
) -> tuple[Header | None, Iterator[Row]]:
    """Look for the header among the first `scan` rows: the first row naming at least
    two of the columns, one of them required. Returns the header (None when there is
    none, with the reason in `missing_header_problem`) and the rows after it."""
    names: dict[str, str] = {}
    for col in columns:
        for name in (col.label, *col.synonyms):
            names.setdefault(header_key(name), col.key)
    required = {c.key for c in columns if c.required}
    seen: list[Row] = []
    for row in rows:
        seen.append(row)
        keys = [names.get(header_key(v)) if isinstance(v, str) else None for v in row.values]
        matched = {k for k in keys if k}
        if len(matched) >= 2 and (matched & required or not required):
            return _header(row, keys, columns), rows
        if len(seen) >= scan:
            break
    return None, itertools.chain(seen, rows)


def _header(row: Row, keys: list[str | None], columns: Sequence[Column]) -> Header:
    by_key = {c.key: c for c in columns}
    header = Header(row=row.number, index={})
    for i, key in enumerate(keys):
        if key is None:
            continue
        if key in header.index:
            first = header.index[key]
            header.problems.append(
                TableProblem(
                    row.number,
                    by_key[key].label,
                    f"{by_key[key].label}：表头中有两列（{column_letter(first)} 列“{header.titles[key]}”和 "
                    f"{column_letter(i)} 列“{text(row.values[i])}”）都表示{by_key[key].label}，请删去一列",
                )
            )
            continue
        header.index[key] = i
        header.titles[key] = text(row.values[i])
    for col in columns:
        if col.required and col.key not in header.index:
            also = f"（也可写作：{'、'.join(col.synonyms)}）" if col.synonyms else ""
            header.problems.append(
                TableProblem(row.number, col.label, f"{col.label}：表头中缺少必填列“{col.label}”{also}")
            )
    return header


def missing_header_problem(columns: Sequence[Column]) -> TableProblem:
    wanted = "、".join(f"“{c.label}”" for c in columns if c.required) or "、".join(
        f"“{c.label}”" for c in columns[:3]
    )
    return TableProblem(
        1,
        "表头",
        f"表头：在前 {HEADER_SCAN_ROWS} 行中找不到表头行（应有一行写明 {wanted} 等列名），"
        "请使用导入模板或检查列名",
    )
