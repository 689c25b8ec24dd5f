"""The pure monthly score (issue 4 point 3, seed 000): no database."""

from decimal import Decimal as D

import pytest

from vanguard.assessment import monthly
from vanguard.assessment.monthly import Entry, Item, Rules

ITEMS = {
    "violation": Item("violation", "三违", D(-10), D(30)),
    "absence": Item("absence", "缺席", D(-5), None),
    "proposal": Item("proposal", "合理化建议", D(3), D(10)),
    "model": Item("model", "安全标兵", D(5), D(30)),
}
RULES = Rules(base=D(100), floor=D(0), cap=D(120), pass_mark=D(80), penalty=D(100), items=ITEMS)


def score(*entries):
    return monthly.score_month(RULES, [Entry(i, D(p)) for i, p in entries])


def test_given_no_entries_then_the_base_score_and_qualified():
    s = score()
    assert (s.score, s.qualified, s.penalty) == (D("100.0"), True, D(0))


@pytest.mark.parametrize(
    ("entries", "expected", "qualified"),
    [
        ([("violation", -10), ("violation", -10)], D("80.0"), True),  # pass mark exactly
        ([("violation", -10), ("violation", -10), ("absence", "-0.1")], D("79.9"), False),
        ([("violation", -10)] * 2 + [("proposal", "0.1")], D("80.1"), True),
    ],
)
def test_the_pass_mark_is_qualified_and_just_below_is_not(entries, expected, qualified):
    s = score(*entries)
    assert (s.score, s.qualified) == (expected, qualified)
    assert s.penalty == (D(0) if qualified else D(100))


def test_an_item_counts_at_most_its_monthly_limit():
    s = score(*[("violation", -10)] * 5)  # -50 recorded, limit 30
    assert s.score == D("70.0")
    assert s.items[0].recorded == D(-50) and s.items[0].counted == D(-30) and s.items[0].limited


def test_an_item_without_limit_counts_everything_down_to_the_floor():
    s = score(*[("absence", -5)] * 30)
    assert s.raw == D(-50) and s.score == D("0.0") and not s.qualified


def test_the_cap_keeps_bonuses_at_120():
    s = score(("model", 30), ("proposal", 10))
    assert s.raw == D(140) and s.score == D("120.0")


def test_bonus_at_the_cap_exactly_is_kept():
    assert score(("model", 20)).score == D("120.0")


def test_the_score_is_rounded_half_up_once():
    assert score(("absence", "-0.05")).score == D("100.0")  # 99.95 → 100.0
    assert score(("absence", "-0.06")).score == D("99.9")


def test_an_entry_of_another_rules_is_refused():
    with pytest.raises(monthly.InvalidEntry):
        score(("unknown", -1))


@pytest.mark.parametrize(
    ("item", "points", "code"),
    [
        ("violation", D(5), "sign"),
        ("proposal", D(-3), "sign"),
        ("violation", D(0), "sign"),
        ("violation", D(-31), "limit"),
        ("nope", D(-1), "item"),
    ],
)
def test_check_entry_refuses_wrong_sign_limit_or_item(item, points, code):
    with pytest.raises(monthly.InvalidEntry) as e:
        monthly.check_entry(RULES, item, points)
    assert e.value.code == code


def test_ranks_in_group_and_branch_share_ties():
    ranks = monthly.rank_branch(
        [("a", 1, D(95)), ("b", 1, D(90)), ("c", 2, D(90)), ("d", 2, D(85)), ("e", None, D(100))]
    )
    assert [ranks[k].branch_rank for k in "abcde"] == [2, 3, 3, 5, 1]
    assert [ranks[k].group_rank for k in "abcde"] == [1, 2, 1, 2, None]


def test_explain_names_the_limit_and_the_verdict():
    s = score(*[("violation", -10)] * 5)
    lines = s.explain(RULES)
    assert any("每月上限" in line for line in lines) and "不合格" in lines[-1]


def test_parse_month():
    assert monthly.parse_month("2026-03") == monthly.parse_month("2026-03-15")
    assert monthly.parse_month("2026-13") is None and monthly.parse_month("x") is None
