"""The structure figure (seed 001: ≥ 75% frontline, highly educated or young) and 双培
(seed 003), computed from plain rows: no database."""

from datetime import date
from fractions import Fraction

import pytest

from vanguard.admission import structure
from vanguard.admission.structure import BackboneChange, NewMember
from vanguard.people.models import HIGHLY_EDUCATED


def member(n=1, **kw):
    defaults = dict(
        person_id=n,
        branch_id=1,
        approved_on=date(2025, 6, 20),
        birth_date=date(1980, 1, 1),  # 45 on approval: not young
        is_frontline=False,
        education="high_school",
    )
    defaults.update(kw)
    return NewMember(**defaults)


def test_highly_educated_codes_match_the_register():
    assert {str(e) for e in HIGHLY_EDUCATED} == structure.HIGHLY_EDUCATED


@pytest.mark.parametrize(
    ("birth", "approved", "young"),
    [
        (date(1990, 6, 20), date(2025, 6, 19), True),  # the day before the 35th birthday
        (date(1990, 6, 20), date(2025, 6, 20), False),  # 35 on the approval day: not under 35
        (date(1990, 6, 20), date(2025, 6, 21), False),
        (date(1992, 2, 29), date(2027, 2, 28), True),  # born 29 Feb: birthday is 1 March
        (date(1992, 2, 29), date(2027, 3, 1), False),
        (None, date(2025, 6, 20), False),  # unknown birth date: not counted as young
    ],
)
def test_under_35_on_the_approval_day(birth, approved, young):
    assert structure.is_young(member(birth_date=birth, approved_on=approved)) is young


@pytest.mark.parametrize(
    ("qualifying", "total", "meets", "percent"),
    [
        (3, 4, True, "75.0%"),  # exactly 75% meets the target
        (2, 3, False, "66.7%"),
        (74, 99, False, "74.7%"),
        (75, 100, True, "75.0%"),
        (749, 1000, False, "74.9%"),
        (4, 4, True, "100.0%"),
        (0, 2, False, "0.0%"),
    ],
)
def test_the_75_percent_target_at_its_boundary(qualifying, total, meets, percent):
    rows = [member(i, is_frontline=i < qualifying) for i in range(total)]
    fig = structure.figure(rows)
    assert (fig.qualifying, fig.total) == (qualifying, total)
    assert fig.share == Fraction(qualifying, total)
    assert fig.meets_target is meets
    assert fig.percent == percent


def test_no_new_members_is_not_judged():
    fig = structure.figure([])
    assert fig.share is None and fig.meets_target is None and fig.percent == "—"


def test_a_person_counts_once_however_many_categories_hold():
    everything = member(1, is_frontline=True, education="bachelor", birth_date=date(2000, 1, 1))
    nothing = member(2)
    fig = structure.figure([everything, nothing])
    assert (fig.qualifying, fig.total) == (1, 2)
    assert (fig.frontline, fig.highly_educated, fig.young) == (1, 1, 1)
    assert fig.meets_target is False


@pytest.mark.parametrize(
    ("education", "counts"),
    [
        ("postgraduate", True),
        ("bachelor", True),
        ("college", True),
        ("secondary_vocational", False),
        ("", False),
    ],
)
def test_highly_educated_means_college_or_above(education, counts):
    assert structure.qualifies(member(education=education)) is counts


@pytest.mark.parametrize(
    ("kw", "source"),
    [
        (dict(job_post="综采班长", is_frontline=True, is_technician=True), "team_leader"),
        (dict(job_post="副班长"), "team_leader"),
        (dict(job_post="技术员", is_technician=True, is_frontline=True), "technician"),
        (dict(job_post="采煤机司机", is_frontline=True), "frontline"),
        (dict(job_post="会计"), "other"),
    ],
)
def test_each_new_member_has_one_source(kw, source):
    assert structure.source_of(member(**kw)) == source


def test_figures_by_counts_a_row_under_every_key():
    rows = [member(1, branch_id=10, is_frontline=True), member(2, branch_id=11)]
    by = structure.figures_by(rows, lambda r: [r.branch_id, "committee"])
    assert by[10].qualifying == 1 and by[11].qualifying == 0
    assert (by["committee"].qualifying, by["committee"].total) == (1, 2)


def test_the_flag_on_a_day_is_read_back_from_later_changes():
    changes = [
        BackboneChange(1, date(2024, 5, 1), False, True),
        BackboneChange(1, date(2025, 3, 1), True, False),
    ]
    assert structure.value_on(False, changes, date(2024, 1, 1)) is False
    assert structure.value_on(False, changes, date(2024, 5, 1)) is True  # a change on the day counts
    assert structure.value_on(False, changes, date(2024, 12, 1)) is True
    assert structure.value_on(False, changes, date(2025, 6, 1)) is False
    assert structure.value_on(True, [], date(2020, 1, 1)) is True


@pytest.mark.parametrize(
    ("changes", "join", "year", "expected"),
    [
        ([(date(2025, 4, 1), False, True)], date(2020, 7, 1), 2025, date(2025, 4, 1)),
        ([(date(2025, 4, 1), False, True)], date(2020, 7, 1), 2024, None),  # another year
        ([(date(2025, 4, 1), False, True)], date(2025, 5, 1), 2025, None),  # not yet a member then
        ([(date(2025, 4, 1), False, True)], date(2025, 4, 1), 2025, date(2025, 4, 1)),
        ([(date(2025, 4, 1), True, False)], date(2020, 7, 1), 2025, None),  # stopped being one
        ([(date(2025, 4, 1), False, True)], None, 2025, None),  # never joined
    ],
)
def test_a_member_became_a_backbone(changes, join, year, expected):
    rows = [BackboneChange(1, on, old, new) for on, old, new in changes]
    assert structure.became_backbone_as_member(rows, join_date=join, year=year) == expected
