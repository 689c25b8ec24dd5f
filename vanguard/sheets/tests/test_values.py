from datetime import date, datetime

import pytest

from vanguard.sheets import values
from vanguard.sheets.values import CellProblem


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2019-07-01", date(2019, 7, 1)),
        ("2019.07.01", date(2019, 7, 1)),
        ("2019/7/1", date(2019, 7, 1)),
        ("2019年7月1日", date(2019, 7, 1)),
        ("２０１９年７月１日", date(2019, 7, 1)),
        (" 2019 . 07 . 01 ", date(2019, 7, 1)),
        ("2019.07", date(2019, 7, 1)),
        ("2019-7", date(2019, 7, 1)),
        ("2019年7月", date(2019, 7, 1)),
        ("20190701", date(2019, 7, 1)),
        (datetime(2019, 7, 1), date(2019, 7, 1)),
        (43647, date(2019, 7, 1)),  # an Excel serial whose date style WPS lost
        (20190701, date(2019, 7, 1)),
        (2019.07, date(2019, 7, 1)),  # 2019.07 typed into a number cell
        (2019.12, date(2019, 12, 1)),
        ("", None),
        (None, None),
    ],
)
def test_dates_in_every_usual_form(cell, expected):
    assert values.parse_date(cell) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("2019-13-01", "不是有效的日期"),
        ("2019-02-30", "不是有效的日期"),
        ("去年七月", "无法识别的日期"),
        (2019.1, "无法区分是 1 月还是 10 月"),
        (2019, "无法识别的日期"),
    ],
)
def test_dates_that_cannot_be_read_say_why(cell, message):
    with pytest.raises(CellProblem, match=message):
        values.parse_date(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("11010519491231002X", "11010519491231002X"), ("１１０ １０５", "110105"), (13912345678, "13912345678")],
)
def test_digits_from_text_or_numbers(cell, expected):
    assert values.digits(cell) == expected


@pytest.mark.parametrize("cell", [110105194912310000, 1.10105194912310e17])
def test_an_18_digit_number_excel_rounded_is_refused(cell):
    with pytest.raises(CellProblem, match="舍入为 110105194912310000"):
        values.digits(cell, kind="身份证号")


@pytest.mark.parametrize(
    ("cell", "expected"), [("是", True), ("√", True), ("否", False), ("", False), (None, False), (1, True)]
)
def test_booleans(cell, expected):
    assert values.boolean(cell) is expected


def test_a_boolean_that_is_neither_says_what_is_expected():
    with pytest.raises(CellProblem, match="应填“是”“否”或“√”"):
        values.boolean("可能")


def test_text_is_half_width_with_single_spaces():
    assert values.text("张　三\u00a0 ") == "张 三"
    assert values.text(12.0) == "12"
