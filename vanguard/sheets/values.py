"""Turning what a cell holds into text, dates, booleans and digit strings.

Each parser raises `CellProblem` with a Chinese reason (without the column name, which
the caller knows). Rosters as branches keep them hold dates as Excel dates or as text in
every usual form, ID and phone numbers as text or as numbers, full-width digits and
spaces, ticks for yes."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from vanguard.core.text import normalize


class CellProblem(ValueError):
    """A cell's value cannot be read as what the column needs. Chinese message."""


def text(value) -> str:
    """Any cell as normalised text: half-width, inner spaces collapsed, ends stripped.
    Integral numbers lose their '.0'; dates read as 2019-07-01."""
    if value is None:
        return ""
    if isinstance(value, str):
        if value.isascii() or unicodedata.is_normalized("NFKC", value):
            return " ".join(value.replace("\u00a0", " ").split())
        return normalize(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- digits: ID numbers, phone numbers ---------------------------------------------------
# Excel keeps 15 significant digits: an 18-digit ID number typed as a number has already
# lost its last digits (110105194912310025 → 110105194912310000) by the time we read it.
EXCEL_DIGITS = 15


def digits(value, *, kind: str = "号码") -> str:
    """A number stored as text or as a number, as its digits. A number longer than Excel
    can hold exactly is refused rather than read as a wrong number."""
    if isinstance(value, bool):
        raise CellProblem(f"应为{kind}，实为“{text(value)}”")
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            raise CellProblem(f"应为{kind}，实为小数“{value}”")
        shown = str(int(value))
        if len(shown.lstrip("-")) > EXCEL_DIGITS:
            raise CellProblem(
                f"Excel 已把该{kind}按数字保存并舍入为 {shown}（只保留 15 位有效数字，末几位已丢失）；"
                "请将该列设置为“文本”格式后重新填写"
            )
        return shown
    return text(value).replace(" ", "")


# --- booleans ------------------------------------------------------------------------------
_TRUE = {"是", "√", "✓", "✔", "☑", "y", "yes", "true", "1", "有"}
_FALSE = {"", "否", "×", "✗", "✘", "x", "n", "no", "false", "0", "无", "-", "—", "/"}


def boolean(value) -> bool:
    """是/否, √, 1/0, or empty (no)."""
    if isinstance(value, bool):
        return value
    t = text(value).lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise CellProblem(f"应填“是”“否”或“√”（空白为否），实为“{text(value)}”")


# --- dates ----------------------------------------------------------------------------------
_DATE_FORMS = "2019-07-01、2019.07.01、2019/7/1、2019年7月1日 或只写年月 2019.07"
_YMD = re.compile(
    r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
)
_YM = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})?")
# Serial numbers Excel gives dates from 1927 to 2119; a number there in a date column is
# a date whose style was lost (WPS does this), anything else is not a date.
_SERIAL_MIN, _SERIAL_MAX = 10_000, 80_000


def _make(y: int, m: int, d: int, shown: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise CellProblem(f"“{shown}”不是有效的日期") from None


def parse_date(value) -> date | None:
    """None for an empty cell; month-only dates read as the first of the month."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellProblem(f"应为日期，如 {_DATE_FORMS}")
    if isinstance(value, int | float):
        return _number_date(value)
    shown = text(value)
    t = shown.replace(" ", "")
    if not t:
        return None
    m = _YMD.fullmatch(t)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), shown)
    m = _YM.fullmatch(t)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), 1, shown)
    m = _COMPACT.fullmatch(t)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1), shown)
    raise CellProblem(f"无法识别的日期“{shown}”，应为 {_DATE_FORMS}")


def _number_date(value: int | float) -> date:
    if isinstance(value, float) and not value.is_integer():
        # 2019.07 typed into a cell becomes the number 2019.07: year and month. 2019.1 is
        # ambiguous (2019.10 loses its zero), so it is refused rather than guessed.
        shown = repr(value)
        m = re.fullmatch(r"(\d{4})\.(\d{1,2})", shown)
        if m:
            if m.group(2) == "1":
                raise CellProblem(
                    f"数字 {shown} 无法区分是 1 月还是 10 月；请把该列设为文本，写作 {m.group(1)}.01 或 {m.group(1)}.10"
                )
            return _make(int(m.group(1)), int(m.group(2)), 1, shown)
        raise CellProblem(f"无法识别的日期“{shown}”，应为 {_DATE_FORMS}")
    n = int(value)
    if 19000101 <= n <= 21001231:
        return _make(n // 10000, n // 100 % 100, n % 100, str(n))
    if 190001 <= n <= 210012:
        return _make(n // 100, n % 100, 1, str(n))
    if _SERIAL_MIN <= n <= _SERIAL_MAX:
        return (datetime(1899, 12, 30) + timedelta(days=n)).date()
    raise CellProblem(f"无法识别的日期“{n}”，应为 {_DATE_FORMS}")


def choice(value, options: dict[str, str], *, what: str) -> str:
    """Map a cell's text through `options` (label or synonym → code)."""
    t = text(value).replace(" ", "")
    if t in options:
        return options[t]
    labels = "、".join(dict.fromkeys(k for k in options if k))
    raise CellProblem(f"应为 {labels} 之一，实为“{text(value)}”" if t else f"{what}不能为空")
