"""The official public-holiday calendar of the People's Republic of China, as data.

Each year's arrangement comes from the State Council General Office's notice
(国务院办公厅关于 YYYY 年部分节假日安排的通知), published late in the year before:
the days off (放假, including the weekends the notice folds into the break) and the
weekend days that become working days to make up for them (调休上班). 2015 adds the
notice for the 70th anniversary of the victory in the War of Resistance (9月3日至5日);
2020 adds the notice that extended the Spring Festival to 2 February (the make-up
Saturday 1 February became a day off).

Known years: 2014–2026 (`KNOWN_YEARS`). A date outside them falls back to Monday–Friday
being working days, with no holidays: the answer for those dates is an approximation,
and the next year's notice has to be added here when it is published (late each year;
it can also move a day at the end of the year before, as 2019's did with 2018-12-29).

Used for the public notice's minimum length when a deployment counts working days
(ADMISSION_NOTICE_WORKING_DAYS; seed 001 "公示不满五天的不批")."""

from __future__ import annotations

from datetime import date, timedelta

# year of the notice: (days off as "MM-DD" or "MM-DD/MM-DD" ranges, make-up working days).
# A day of another year is written in full (YYYY-MM-DD).
_NOTICES: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    2014: (
        ("01-01", "01-31/02-06", "04-05/04-07", "05-01/05-03", "05-31/06-02", "09-06/09-08", "10-01/10-07"),
        ("01-26", "02-08", "05-04", "09-28", "10-11"),
    ),
    2015: (
        (
            "01-01/01-03",
            "02-18/02-24",
            "04-04/04-06",
            "05-01/05-03",
            "06-20/06-22",
            "09-03/09-05",  # 抗战胜利 70 周年纪念日
            "09-26/09-27",
            "10-01/10-07",
        ),
        ("01-04", "02-15", "02-28", "09-06", "10-10"),
    ),
    2016: (
        (
            "01-01/01-03",
            "02-07/02-13",
            "04-02/04-04",
            "04-30/05-02",
            "06-09/06-11",
            "09-15/09-17",
            "10-01/10-07",
        ),
        ("02-06", "02-14", "06-12", "09-18", "10-08", "10-09"),
    ),
    2017: (
        ("2016-12-31/01-02", "01-27/02-02", "04-02/04-04", "04-29/05-01", "05-28/05-30", "10-01/10-08"),
        ("01-22", "02-04", "04-01", "05-27", "09-30"),
    ),
    2018: (
        (
            "2017-12-30/01-01",
            "02-15/02-21",
            "04-05/04-07",
            "04-29/05-01",
            "06-16/06-18",
            "09-22/09-24",
            "10-01/10-07",
        ),
        ("02-11", "02-24", "04-08", "04-28", "09-29", "09-30"),
    ),
    2019: (
        (
            "2018-12-30/01-01",
            "02-04/02-10",
            "04-05/04-07",
            "05-01/05-04",  # as amended in March 2019
            "06-07/06-09",
            "09-13/09-15",
            "10-01/10-07",
        ),
        ("2018-12-29", "02-02", "02-03", "04-28", "05-05", "09-29", "10-12"),
    ),
    2020: (
        (
            "01-01",
            "01-24/02-02",  # extended to 2 February by the January 2020 notice
            "04-04/04-06",
            "05-01/05-05",
            "06-25/06-27",
            "10-01/10-08",
        ),
        ("01-19", "04-26", "05-09", "06-28", "09-27", "10-10"),
    ),
    2021: (
        (
            "01-01/01-03",
            "02-11/02-17",
            "04-03/04-05",
            "05-01/05-05",
            "06-12/06-14",
            "09-19/09-21",
            "10-01/10-07",
        ),
        ("02-07", "02-20", "04-25", "05-08", "09-18", "09-26", "10-09"),
    ),
    2022: (
        (
            "01-01/01-03",
            "01-31/02-06",
            "04-03/04-05",
            "04-30/05-04",
            "06-03/06-05",
            "09-10/09-12",
            "10-01/10-07",
        ),
        ("01-29", "01-30", "04-02", "04-24", "05-07", "10-08", "10-09"),
    ),
    2023: (
        ("2022-12-31/01-02", "01-21/01-27", "04-05", "04-29/05-03", "06-22/06-24", "09-29/10-06"),
        ("01-28", "01-29", "04-23", "05-06", "06-25", "10-07", "10-08"),
    ),
    2024: (
        (
            "2023-12-30/01-01",
            "02-10/02-17",
            "04-04/04-06",
            "05-01/05-05",
            "06-08/06-10",
            "09-15/09-17",
            "10-01/10-07",
        ),
        ("02-04", "02-18", "04-07", "04-28", "05-11", "09-14", "09-29", "10-12"),
    ),
    2025: (
        ("01-01", "01-28/02-04", "04-04/04-06", "05-01/05-05", "05-31/06-02", "10-01/10-08"),
        ("01-26", "02-08", "04-27", "09-28", "10-11"),
    ),
    2026: (
        (
            "01-01/01-03",
            "02-15/02-23",
            "04-04/04-06",
            "05-01/05-05",
            "06-19/06-21",
            "09-25/09-27",
            "10-01/10-07",
        ),
        ("01-04", "02-14", "02-28", "05-09", "09-20", "10-10"),
    ),
}


def _day(text: str, year: int) -> date:
    if len(text) == 10:
        return date.fromisoformat(text)
    return date.fromisoformat(f"{year}-{text}")


def _expand() -> tuple[frozenset[date], frozenset[date]]:
    off: set[date] = set()
    working: set[date] = set()
    for year, (ranges, makeup) in _NOTICES.items():
        for item in ranges:
            first, _, last = item.partition("/")
            start = _day(first, year)
            end = _day(last, year) if last else start
            while start <= end:
                off.add(start)
                start += timedelta(days=1)
        working.update(_day(text, year) for text in makeup)
    return frozenset(off), frozenset(working)


HOLIDAYS, MAKEUP_WORKING_DAYS = _expand()
KNOWN_YEARS = range(min(_NOTICES), max(_NOTICES) + 1)


def is_known_year(year: int) -> bool:
    return year in KNOWN_YEARS


def is_working_day(d: date) -> bool:
    """A working day on the official calendar: a make-up weekend day counts, a holiday
    does not. Outside KNOWN_YEARS: Monday to Friday."""
    if d in MAKEUP_WORKING_DAYS:
        return True
    if d in HOLIDAYS:
        return False
    return d.weekday() < 5


def working_days_between(start: date, end: date) -> int:
    """Working days from `start` to `end`, both included (0 when end < start)."""
    count = 0
    d = start
    while d <= end:
        count += is_working_day(d)
        d += timedelta(days=1)
    return count
