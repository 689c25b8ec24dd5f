"""The appraisal's final score, without a database: every flag boundary on both sides,
the trimming of peers and workers (four vs five evaluators, tied extremes), a missing
source, the weights, the ranking, the explanation, reading the contract's input, and
hypothesis properties (the score lies between the source scores; any JSON either reads
or is refused with InvalidInput)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from vanguard.assessment import rules
from vanguard.assessment.rules import (
    DEFAULT_WEIGHTS,
    SOURCES,
    InvalidInput,
    MemberTotals,
    flag_for,
    parse_input,
    rank,
    results_json,
    round_half_up,
    score_member,
    score_members,
)

D = Decimal


def everyone(total) -> dict:
    """Every source gave `total` (one evaluator each)."""
    return {source: [D(str(total))] for source in SOURCES}


# --- rounding and flags at every boundary --------------------------------------------------


@pytest.mark.parametrize(
    ("total", "score", "flag"),
    [
        ("100", "100.0", "red"),
        ("90", "90.0", "red"),
        ("89.95", "90.0", "red"),
        ("89.94", "89.9", "yellow"),
        ("89.9", "89.9", "yellow"),
        ("80", "80.0", "yellow"),
        ("79.95", "80.0", "yellow"),
        ("79.94", "79.9", "blue"),
        ("70", "70.0", "blue"),
        ("69.96", "70.0", "blue"),
        ("69.95", "70.0", "blue"),
        ("69.94", "69.9", "grey"),
        ("0.04", "0.0", "grey"),
        ("0", "0.0", "grey"),
    ],
)
def test_the_flag_is_read_from_the_score_rounded_half_up(total, score, flag):
    result = score_member(everyone(total))
    assert (str(result.score), result.flag, result.incomplete) == (score, flag, False)


@pytest.mark.parametrize(
    ("score", "flag"),
    [
        ("90.0", "red"),
        ("89.9", "yellow"),
        ("80.0", "yellow"),
        ("79.9", "blue"),
        ("70.0", "blue"),
        ("69.9", "grey"),
    ],
)
def test_flag_for(score, flag):
    assert flag_for(D(score)) == flag


def test_a_weighted_sum_of_exactly_89_95_is_red():
    # 89.5×10 + 90×30 + 90×20 + 90×40 = 8995 → 89.95: in floats 0.1×89.5 + … is not exact
    result = score_member({"self": [D("89.5")], "peer": [90], "worker": [90], "organization": [90]})
    assert result.exact == Fraction(8995, 100)
    assert (result.score, result.flag) == (D("90.0"), "red")


def test_a_mean_in_thirds_is_not_cut_before_it_is_weighted():
    # peers 87.6, 88, 88 → 263.6/3 = 87.8666…; no workers: (88×10 + 263.6/3×30 + 92×40) ÷ 80
    # = (880 + 2636 + 3680) ÷ 80 = 89.95 exactly → 90.0
    result = score_member({"self": [88], "peer": [D("87.6"), 88, 88], "worker": [], "organization": [92]})
    assert result.sources[1].mean == Fraction(2636, 30)
    assert result.exact == Fraction(8995, 100)
    assert (result.score, result.flag, result.incomplete) == (D("90.0"), "red", True)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(8995, 100), 1, "90.0"),
        (Fraction(8995, 100) - Fraction(1, 10**12), 1, "89.9"),
        (Fraction(2699, 30), 1, "90.0"),
        (D("0.05"), 1, "0.1"),
        (D("-0.05"), 1, "-0.1"),
        (D("86.444"), 2, "86.44"),
        (D("86.445"), 2, "86.45"),
        (100, 1, "100.0"),
    ],
)
def test_round_half_up_is_exact(value, places, expected):
    assert str(round_half_up(value, places)) == expected


# --- trimming peers and workers ------------------------------------------------------------


def test_four_peers_are_all_counted():
    result = score_member({"peer": [100, 80, 70, 50], "self": [70], "worker": [70], "organization": [70]})
    peer = result.sources[1]
    assert (peer.evaluators, peer.dropped, peer.mean) == (4, None, 75)


def test_five_peers_lose_the_single_highest_and_lowest():
    result = score_member({"peer": [100, 80, 70, 60, 10], "self": [70], "worker": [70], "organization": [70]})
    peer = result.sources[1]
    assert (peer.evaluators, peer.kept, peer.dropped, peer.mean) == (5, 3, (100, 10), 70)


@pytest.mark.parametrize("source", ["peer", "worker"])
def test_tied_extremes_drop_one_of_each_only(source):
    totals = {"self": [70], "peer": [70], "worker": [70], "organization": [70]}
    totals[source] = [95, 95, 95, 80, 60, 60]
    s = next(s for s in score_member(totals).sources if s.source == source)
    # 95, 95, 80, 60 kept
    assert (s.dropped, s.kept, s.mean) == ((95, 60), 4, Fraction(330, 4))


def test_five_equal_totals_drop_two_and_keep_the_same_mean():
    s = score_member({"worker": [85] * 5, "self": [85], "peer": [85], "organization": [85]}).sources[2]
    assert (s.dropped, s.kept, s.mean, s.evaluators) == ((85, 85), 3, 85, 5)


def test_the_organisation_is_never_trimmed():
    totals = {"self": [70], "peer": [70], "worker": [70], "organization": [100, 80, 70, 60, 10]}
    s = score_member(totals).sources[3]
    assert (s.source, s.evaluators, s.dropped, s.mean) == ("organization", 5, None, 64)


# --- missing sources and weights -----------------------------------------------------------


def test_a_missing_source_scales_the_other_weights_and_marks_the_result_incomplete():
    result = score_member({"self": [80], "peer": [90], "worker": [], "organization": [70]})
    assert result.incomplete
    assert dict(result.weights_used) == {"self": Fraction(25, 2), "peer": Fraction(75, 2), "organization": 50}
    # (80×10 + 90×30 + 70×40) ÷ 80 = 78.75 → 78.8
    assert (result.exact, result.score, result.flag) == (Fraction(7875, 100), D("78.8"), "blue")
    assert sum(result.weights_used.values()) == 100


def test_an_absent_key_is_a_source_with_no_evaluations():
    assert score_member({"self": [80], "peer": [90], "organization": [70]}) == score_member(
        {"self": [80], "peer": [90], "worker": [], "organization": [70]}
    )


def test_no_evaluations_at_all_gives_no_score():
    result = score_member({"self": [], "peer": [], "worker": [], "organization": []})
    assert (result.score, result.flag, result.incomplete, result.exact) == (None, None, True, None)
    assert "无法计算得分" in result.explain()[-1]


def test_a_source_weighted_zero_does_not_count_and_its_absence_is_not_incomplete():
    weights = {"self": 0, "peer": 30, "worker": 30, "organization": 40}
    result = score_member({"self": [0], "peer": [90], "worker": [90], "organization": [90]}, weights)
    assert (result.score, result.incomplete) == (D("90.0"), False)
    assert not score_member({"peer": [90], "worker": [90], "organization": [90]}, weights).incomplete
    assert "权重 0%，不计入" in result.explain()[0]


def test_the_default_weights_are_10_30_20_40():
    assert dict(DEFAULT_WEIGHTS) == {"self": 10, "peer": 30, "worker": 20, "organization": 40}
    # 100×10 + 0×30 + 0×20 + 0×40 → 10.0
    assert score_member({"self": [100], "peer": [0], "worker": [0], "organization": [0]}).score == D("10.0")


def test_decimal_weights_that_add_up_to_100_are_accepted():
    weights = {"self": D("12.5"), "peer": D("37.5"), "worker": D("0"), "organization": 50}
    assert score_member({"self": [80], "peer": [90], "organization": [70]}, weights).score == D("78.8")


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"self": 10, "peer": 30, "worker": 20, "organization": 30}, "四项之和应为 100，实为 90"),
        ({"self": 10, "peer": 30, "worker": 20, "organization": 41}, "四项之和应为 100，实为 101"),
        ({"self": D("10.01"), "peer": 30, "worker": 20, "organization": 40}, "实为 100.01"),
        ({"self": 10, "peer": 30, "worker": 60}, "缺少 organization（组织考评）"),
        ({"self": 10, "peer": 30, "worker": 20, "organization": 40, "boss": 0}, "未知的评价来源“boss”"),
        ({"self": -10, "peer": 50, "worker": 20, "organization": 40}, "应在 0 至 100 之间，实为 -10"),
        ({"self": D("10.001"), "peer": 30, "worker": 20, "organization": D("39.999")}, "最多两位小数"),
        ({"self": True, "peer": 30, "worker": 20, "organization": 40}, "应为数字，实为布尔值"),
        ({"self": "10", "peer": 30, "worker": 20, "organization": 40}, "应为数字，实为字符串"),
        ({"self": float("nan"), "peer": 30, "worker": 20, "organization": 40}, "应为数字，实为 nan"),
        ([10, 30, 20, 40], "应为 JSON 对象，实为数组"),
    ],
)
def test_weights_that_cannot_be_used_are_refused(weights, message):
    with pytest.raises(InvalidInput) as caught:
        score_member(everyone(80), weights)
    assert message in caught.value.message
    assert caught.value.message.startswith("权重（weights")


@pytest.mark.parametrize(
    ("totals", "message"),
    [
        ({"peer": [101]}, "党员互评（totals.peer[0]）：应在 0 至 100 之间，实为 101"),
        ({"worker": [90, -1]}, "群众参评（totals.worker[1]）：应在 0 至 100 之间，实为 -1"),
        ({"organization": [D("88.125")]}, "最多两位小数，实为 88.125"),
        ({"peer": [True]}, "应为数字，实为布尔值"),
        ({"peer": [float("inf")]}, "应为数字，实为 inf"),
        ({"peer": [D("NaN")]}, "应为数字，实为 NaN"),
        ({"peer": 90}, "党员互评（totals.peer）：应为数组（每位评价人的总分），实为数字"),
        ({"self": [80, 90]}, "个人自评（totals.self）：本人只有一个自评总分，实为 2 个"),
        ({"boss": [90]}, "未知的评价来源“boss”"),
    ],
)
def test_totals_that_cannot_be_scored_are_refused(totals, message):
    with pytest.raises(InvalidInput) as caught:
        score_member(totals)
    assert message in caught.value.message


def test_a_float_total_is_read_as_written():
    assert score_member(everyone(89.95)).score == D("90.0")


# --- ranking -------------------------------------------------------------------------------


def test_ties_share_a_rank_and_the_next_rank_skips():
    assert rank([D("95.0"), D("90.0"), D("90.0"), D("85.0")]) == [1, 2, 2, 4]


def test_rank_keeps_the_order_given_and_leaves_unscored_members_out():
    assert rank([D("85.0"), None, D("90"), D("95.0"), D("90.0"), None]) == [4, None, 2, 1, 2, None]
    assert rank([]) == []


def test_members_are_ranked_by_the_rounded_score():
    members = [
        MemberTotals("a", {"organization": (D("89.96"),)}),
        MemberTotals("b", {"organization": (D("90.04"),)}),
        MemberTotals("c", {"organization": (D("89.94"),)}),
    ]
    weights = {"self": 0, "peer": 0, "worker": 0, "organization": 100}
    results = score_members(members, weights)
    assert [(r.id, str(r.appraisal.score), r.rank) for r in results] == [
        ("a", "90.0", 1),
        ("b", "90.0", 1),
        ("c", "89.9", 3),
    ]


# --- the explanation -----------------------------------------------------------------------


def test_the_explanation_shows_how_the_score_was_made_from_the_sources():
    result = score_member(
        {
            "self": [88],
            "peer": [98, 86, 87, 85, 88, D("86.2"), 71],
            "worker": [],
            "organization": [92, 91, 90],
        }
    )
    assert result.explain() == [
        "个人自评：1 人评价，平均 88.00，权重 10%，按比例放大为 12.5%",
        "党员互评：7 人评价，去掉一个最高分 98、一个最低分 71 后 5 人平均 86.44，权重 30%，按比例放大为 37.5%",
        "群众参评：无人评价，不计入（原权重 20%）",
        "组织考评：3 人评价，平均 91.00，权重 40%，按比例放大为 50%",
        "得分 =（88.00×10 + 86.44×30 + 91.00×40）÷ 80 = 88.915，四舍五入保留一位小数为 88.9",
        "88.9 分，挂黄旗（80–89.9 分）",
        "评价不完整：群众参评无人评价，其余来源的权重已按比例放大到合计 100%",
    ]


def test_an_inexact_mean_or_share_is_marked_approximate():
    weights = {"self": 10, "peer": 20, "worker": 30, "organization": 40}
    result = score_member({"self": [], "peer": [90, 90, 91], "worker": [80], "organization": [70]}, weights)
    lines = result.explain()
    assert "平均 ≈90.33，权重 20%，按比例放大为 ≈22.22%" in lines[1]
    assert "= ≈77.851852，四舍五入保留一位小数为 77.9" in lines[4]


def test_the_explanation_never_lists_the_totals_it_kept():
    # the seven peers' totals appear nowhere but the two dropped extremes
    text = "\n".join(score_member({"peer": [98, 86, 87, 85, 88, 84, 71], "self": [80]}).explain())
    for kept in ("86 ", "87 ", "85 ", "84 "):
        assert kept not in text


# --- the contract's input ------------------------------------------------------------------

CONTRACT = {
    "weights": {"self": 10, "peer": 30, "worker": 20, "organization": 40},
    "members": [{"id": "m1", "totals": {"self": [88], "peer": [90, 85], "worker": [], "organization": [92]}}],
}


def test_the_contract_example_reads_and_scores():
    data = parse_input(CONTRACT)
    results = score_members(data.members, data.weights)
    # (88×10 + 87.5×30 + 92×40) ÷ 80 = 89.8125
    assert [r.as_dict() for r in results] == [
        {"id": "m1", "score": D("89.8"), "flag": "yellow", "rank": 1, "incomplete": True}
    ]


def test_without_weights_the_default_applies():
    assert dict(parse_input({"members": []}).weights) == dict(DEFAULT_WEIGHTS)
    assert dict(parse_input({"weights": None, "members": []}).weights) == dict(DEFAULT_WEIGHTS)


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([], "输入应为一个 JSON 对象（{…}），实为数组"),
        ({"weight": {}, "members": []}, "未知的字段“weight”"),
        ({"weights": {"self": 100}}, "缺少 peer（党员互评）、worker（群众参评）、organization（组织考评）"),
        ({}, "成员（members）：缺少此字段"),
        ({"members": {"m1": {}}}, "成员（members）：应为数组，实为对象"),
        ({"members": ["m1"]}, "成员（members[0]）：应为 JSON 对象，实为字符串"),
        ({"members": [{"totals": {}}]}, "成员编号（members[0].id）：应为非空的字符串或整数，实为null"),
        (
            {"members": [{"id": " ", "totals": {}}]},
            "成员编号（members[0].id）：应为非空的字符串或整数，实为空字符串",
        ),
        ({"members": [{"id": True, "totals": {}}]}, "实为布尔值"),
        ({"members": [{"id": D("1.5"), "totals": {}}]}, "实为数字"),
        (
            {"members": [{"id": "m1", "totals": {}}, {"id": "m2", "totals": {}}, {"id": "m1", "totals": {}}]},
            "成员编号（members[2].id）：“m1”与 members[0] 重复",
        ),
        ({"members": [{"id": 7, "totals": {}}, {"id": "7", "totals": {}}]}, "“7”与 members[0] 重复"),
        ({"members": [{"id": "m1"}]}, "成员“m1”的评价（members[0].totals）：缺少此字段"),
        ({"members": [{"id": "m1", "totals": []}]}, "成员“m1”的评价（members[0].totals）：应为 JSON 对象"),
        (
            {"members": [{"id": "m1", "totals": {"peers": [90]}}]},
            "成员“m1”的评价（members[0].totals.peers）：未知的评价来源“peers”，只能是 self、peer、worker、organization",
        ),
        (
            {"members": [{"id": "王五", "totals": {"worker": [90, 100.5]}}]},
            "成员“王五”的群众参评（members[0].totals.worker[1]）：应在 0 至 100 之间，实为 100.5",
        ),
    ],
)
def test_input_that_cannot_be_read_names_the_field_and_the_member(obj, message):
    with pytest.raises(InvalidInput) as caught:
        parse_input(obj)
    assert message in caught.value.message


def test_a_member_may_carry_other_keys_and_null_sources():
    data = parse_input(
        {"members": [{"id": 3, "name": "李四", "totals": {"peer": None, "organization": [90]}}]}
    )
    assert data.members[0].id == 3
    assert data.members[0].totals["peer"] == ()


def test_results_json_writes_the_score_from_the_decimal():
    data = parse_input(
        {
            "members": [
                {"id": "张三", "totals": everyone("89.95")},
                {"id": 2, "totals": {}},
                {"id": "c", "totals": everyone("100")},
            ]
        }
    )
    assert results_json(score_members(data.members, data.weights)) == (
        "[\n"
        '  {"id": "张三", "score": 90.0, "flag": "red", "rank": 2, "incomplete": false},\n'
        '  {"id": 2, "score": null, "flag": null, "rank": null, "incomplete": true},\n'
        '  {"id": "c", "score": 100.0, "flag": "red", "rank": 1, "incomplete": false}\n'
        "]"
    )
    assert results_json([]) == "[]"


# --- properties ----------------------------------------------------------------------------

totals_strategy = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def weights_strategy(draw):
    """Four weights with at most two decimals (in hundredths), adding up to exactly 100."""
    cuts = sorted(draw(st.lists(st.integers(0, 10000), min_size=3, max_size=3)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 10000], strict=True)]
    return {source: D(part).scaleb(-2) for source, part in zip(SOURCES, parts, strict=True)}


sources_strategy = st.fixed_dictionaries(
    {source: st.lists(totals_strategy, max_size=1 if source == "self" else 9) for source in SOURCES}
)


@given(totals=sources_strategy, weights=weights_strategy())
def test_the_score_lies_between_the_lowest_and_highest_source_score(totals, weights):
    result = score_member(totals, weights)
    means = [s.mean for s in result.sources if s.counted]
    assume(means)
    assert min(means) <= result.exact <= max(means)
    assert round_half_up(min(means)) <= result.score <= round_half_up(max(means))
    assert result.score == round_half_up(result.exact)
    assert result.flag == flag_for(result.score)
    assert sum(result.weights_used.values()) == 100


@given(totals=sources_strategy, weights=weights_strategy())
def test_a_stored_appraisal_is_restored_exactly(totals, weights):
    """The appraisal close keeps `stored` on each result and pages explain it from
    `restore`: the same score, flag, exact sum, weights used and explanation."""
    import json

    result = score_member(totals, weights)
    again = rules.restore(json.loads(json.dumps(rules.stored(result))))
    assert (again.score, again.flag, again.exact, again.incomplete) == (
        result.score,
        result.flag,
        result.exact,
        result.incomplete,
    )
    assert dict(again.weights_used) == dict(result.weights_used)
    assert again.explain() == result.explain()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.floats()
    | st.sampled_from(
        ["", "m1", "self", "peer", "worker", "organization", "weights", "members", "totals", "id"]
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["self", "peer", "worker", "organization", "weights", "members", "totals", "id", "x"]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@given(obj=json_values)
def test_any_json_either_reads_or_is_refused_with_a_chinese_message(obj):
    try:
        data = parse_input(obj)
    except InvalidInput as exc:
        assert exc.message and "\n" not in exc.message
        return
    results_json(score_members(data.members, data.weights))


def test_the_rules_import_nothing_from_django():
    assert "django" not in rules.__dict__
