"""The admission rules, without a database: every finding code at and on both sides of
its boundary, the date arithmetic (hypothesis), the steps, probation, rule versions,
reading the JSON contract, and the holiday calendar."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vanguard.admission import holidays, rules
from vanguard.admission.rules import (
    Congress,
    Dossier,
    InvalidDossier,
    Mentor,
    Notice,
    NoticeRule,
    Objection,
    Training,
    add_months,
    add_years,
    check_approval,
    check_probation_outcome,
    check_step,
    dossier_from_json,
)

FULL = Mentor(full_member=True)
PROBATIONARY = Mentor(full_member=False)
APPROVAL = date(2025, 1, 15)


def valid(**changes) -> Dossier:
    """A dossier the committee may approve on 2025-01-15, with every step in order."""
    base = Dossier(
        birth_date=date(1995, 5, 1),
        application_date=date(2023, 3, 1),
        application_talk_date=date(2023, 3, 20),
        activist_date=date(2023, 9, 1),
        mentors=(FULL,),
        inspections=(date(2024, 2, 20), date(2024, 8, 20)),
        candidate_date=date(2024, 9, 1),
        sponsors=(FULL, FULL),
        political_review_date=date(2024, 10, 10),
        training=Training(days=3, hours=24),
        committee_review_date=date(2024, 11, 1),
        notice=Notice(date(2024, 11, 4), date(2024, 11, 8), (Objection(resolved=True),)),
        pre_review_date=date(2024, 11, 12),
        volunteer_form_date=date(2024, 11, 20),
        knowledge_passed=True,
        motive_ok=True,
        able_to_fulfil_duties=True,
        congress=Congress(date(2024, 12, 2), should_attend=20, present=15, in_favour=12),
        committee_talk_date=date(2024, 12, 10),
        approval_date=APPROVAL,
    )
    return replace(base, **changes)


def codes(findings):
    return sorted({f.code for f in findings})


def judge(dossier, **kw):
    return codes(check_approval(dossier, on=dossier.approval_date or APPROVAL, **kw).findings)


def d(text):
    return date.fromisoformat(text)


# --- the whole approval ---------------------------------------------------------------------------


def test_a_complete_valid_dossier_is_approvable_with_no_findings():
    verdict = check_approval(valid(), on=APPROVAL)
    assert verdict.approvable is True
    assert verdict.findings == []


def test_an_empty_dossier_is_refused_under_every_check():
    verdict = check_approval(Dossier(), on=APPROVAL)
    assert verdict.approvable is False
    assert {f.check for f in verdict.findings} == {1, 2, 3, 4, 5}
    assert all(f.message.endswith("）") and f.article in f.message for f in verdict.findings)


BOUNDARIES = [
    # (what changes, expected codes); [] means approvable
    # age (细则第五条): 18 on the application day 2023-03-01
    ({"birth_date": d("2005-03-01")}, []),
    ({"birth_date": d("2005-03-02")}, ["age"]),
    ({"birth_date": d("2005-02-28")}, []),
    ({"birth_date": None}, ["age"]),
    # talk within one month of 2023-03-01
    ({"application_talk_date": d("2023-04-01")}, []),
    ({"application_talk_date": d("2023-04-02")}, ["application_talk"]),
    ({"application_talk_date": d("2023-03-31")}, []),
    ({"application_talk_date": None}, ["application_talk"]),
    # one or two mentors, full members
    ({"mentors": ()}, ["mentors"]),
    ({"mentors": (FULL, FULL)}, []),
    ({"mentors": (FULL, FULL, FULL)}, ["mentors"]),
    ({"mentors": (FULL, PROBATIONARY)}, ["mentors"]),
    # inspections: no gap over six months from 2023-09-01 to the candidate date 2024-09-01
    ({"inspections": (d("2024-03-01"), d("2024-09-01"))}, []),
    ({"inspections": (d("2024-03-02"), d("2024-08-20"))}, ["inspections"]),
    ({"inspections": (d("2024-02-29"), d("2024-08-20"))}, []),
    ({"inspections": (d("2024-02-20"), d("2024-02-29"))}, ["inspections"]),  # 2024-08-29 < candidate
    ({"inspections": (d("2024-02-20"), d("2024-03-01"))}, []),  # due 2024-09-01 = candidate
    ({"inspections": ()}, ["inspections"]),
    ({"inspections": (d("2023-08-31"), d("2024-02-20"), d("2024-08-20"))}, ["inspections"]),
    # cultivation: candidate no earlier than 2024-09-01
    ({"candidate_date": d("2024-08-31")}, ["cultivation"]),
    ({"candidate_date": d("2024-09-02")}, []),
    ({"candidate_date": None}, ["cultivation"]),
    # exactly two sponsors, full members
    ({"sponsors": (FULL,)}, ["sponsors"]),
    ({"sponsors": (FULL, FULL, FULL)}, ["sponsors"]),
    ({"sponsors": (FULL, PROBATIONARY)}, ["sponsors"]),
    ({"sponsors": ()}, ["sponsors"]),
    # political review
    ({"political_review_date": None}, ["political_review"]),
    ({"political_review_date": d("2024-12-02")}, []),
    ({"political_review_date": d("2024-12-03")}, ["order"]),
    # training: 3 days or 24 hours, either suffices
    ({"training": Training(days=3, hours=None)}, []),
    ({"training": Training(days=2, hours=None)}, ["training"]),
    ({"training": Training(days=None, hours=24)}, []),
    ({"training": Training(days=None, hours=23)}, ["training"]),
    ({"training": Training(days=2, hours=24)}, []),
    ({"training": Training(days=2, hours=23.5)}, ["training"]),
    ({"training": Training(days=4, hours=0)}, []),
    ({"training": None}, ["training"]),
    # pre-review: there, after the committee review, not before the year was up (2024-09-01)
    ({"pre_review_date": None}, ["pre_review"]),
    ({"committee_review_date": None}, ["pre_review"]),
    (
        {
            "candidate_date": d("2024-08-31"),
            "committee_review_date": d("2024-08-31"),
            "pre_review_date": d("2024-08-31"),
        },
        ["cultivation", "pre_review"],
    ),
    (
        {
            "candidate_date": d("2024-09-01"),
            "committee_review_date": d("2024-09-01"),
            "pre_review_date": d("2024-09-01"),
        },
        [],
    ),
    # check 3
    ({"knowledge_passed": False}, ["knowledge"]),
    ({"knowledge_passed": None}, ["knowledge"]),
    ({"motive_ok": False}, ["motive"]),
    ({"motive_ok": None}, ["motive"]),
    ({"committee_talk_date": None}, ["committee_talk"]),
    ({"committee_talk_date": d("2024-12-01")}, ["order"]),
    # check 4: notice 2024-11-04..08 lasts five days
    ({"notice": Notice(d("2024-11-04"), d("2024-11-07"))}, ["notice_length"]),
    ({"notice": Notice(d("2024-11-04"), d("2024-11-09"))}, []),
    ({"notice": Notice(d("2024-11-04"), None)}, ["notice_length"]),
    ({"notice": None}, ["notice_length"]),
    (
        {"notice": Notice(d("2024-11-04"), d("2024-11-08"), (Objection(True), Objection(False)))},
        ["notice_objection"],
    ),
    ({"notice": Notice(d("2024-11-04"), d("2024-11-08"), ())}, []),
    ({"able_to_fulfil_duties": False}, ["duties"]),
    ({"able_to_fulfil_duties": None}, ["duties"]),
    # check 5 and the vote: more than half of those who should attend, exactly half fails
    ({"congress": None}, ["congress_record"]),
    ({"congress": Congress(None, 20, 15, 12)}, ["congress_record"]),
    ({"congress": Congress(d("2024-12-02"), 20, 10, 12)}, ["congress_quorum"]),
    ({"congress": Congress(d("2024-12-02"), 20, 11, 11)}, []),
    ({"congress": Congress(d("2024-12-02"), 21, 10, 12)}, ["congress_quorum"]),
    ({"congress": Congress(d("2024-12-02"), 21, 11, 11)}, []),
    ({"congress": Congress(d("2024-12-02"), 20, 15, 10)}, ["congress_majority"]),
    ({"congress": Congress(d("2024-12-02"), 21, 15, 10)}, ["congress_majority"]),
    ({"congress": Congress(d("2024-12-02"), 20, 11, 14)}, []),  # written votes sent in before
    ({"congress": Congress(d("2024-12-02"), 20, None, None)}, ["congress_majority", "congress_quorum"]),
    # approval within three months of the congress (2024-12-02), six in special cases
    ({"approval_date": d("2025-03-02")}, []),
    ({"approval_date": d("2025-03-03")}, ["approval_window"]),
    ({"approval_date": d("2025-06-02"), "special_case": True}, []),
    ({"approval_date": d("2025-06-03"), "special_case": True}, ["approval_window"]),
    ({"approval_date": d("2025-06-02")}, ["approval_window"]),
    # clamped: three months after 2024-11-30 is 2025-02-28
    (
        {"congress": Congress(d("2024-11-30"), 20, 15, 12), "approval_date": d("2025-02-28")},
        [],
    ),
    (
        {"congress": Congress(d("2024-11-30"), 20, 15, 12), "approval_date": d("2025-03-01")},
        ["approval_window"],
    ),
    # the order of the dates
    ({"application_talk_date": d("2023-02-28")}, ["order"]),
    ({"notice": Notice(d("2024-08-31"), d("2024-11-08"))}, ["order"]),
    ({"notice": Notice(d("2024-11-04"), d("2024-12-03"))}, ["order"]),
    ({"notice": Notice(d("2024-11-08"), d("2024-11-04"))}, ["notice_length", "order"]),
    ({"committee_review_date": d("2024-11-13")}, ["order"]),
    ({"approval_date": d("2024-12-09")}, ["order"]),
    ({"congress": Congress(d("2024-11-11"), 20, 15, 12)}, ["order"]),
]


@pytest.mark.parametrize(("changes", "expected"), BOUNDARIES)
def test_each_rule_at_and_around_its_boundary(changes, expected):
    assert judge(valid(**changes)) == expected


def test_application_talk_deadline_is_clamped_to_the_month_end():
    base = valid(application_date=d("2023-01-31"))
    assert judge(replace(base, application_talk_date=d("2023-02-28"))) == []
    assert judge(replace(base, application_talk_date=d("2023-03-01"))) == ["application_talk"]


def test_born_on_29_february_is_eighteen_on_28_february():
    base = valid(birth_date=d("2004-02-29"), application_talk_date=d("2022-03-10"))
    assert judge(replace(base, application_date=d("2022-02-28"))) == []
    assert judge(replace(base, application_date=d("2022-02-27"))) == ["age"]


def test_a_notice_in_working_days_counts_the_official_calendar():
    # 2024-09-29 (Sunday, make-up working day) to 2024-10-10: 9/29, 9/30, 10/8, 10/9, 10/10
    five = valid(notice=Notice(d("2024-09-29"), d("2024-10-10")))
    four = valid(notice=Notice(d("2024-09-29"), d("2024-10-09")))
    working = NoticeRule(min_days=5, working_days=True)
    assert judge(five, notice_rule=working) == []
    assert judge(four, notice_rule=working) == ["notice_length"]
    assert judge(four) == []  # eleven calendar days
    (finding,) = check_approval(four, on=APPROVAL, notice_rule=working).findings
    assert "公示不满 5 个工作日：2024-09-29 至 2024-10-09 共 4 个工作日" in finding.message


def test_a_longer_minimum_notice_is_a_setting():
    assert judge(valid(), notice_rule=NoticeRule(min_days=7)) == ["notice_length"]


def test_without_an_approval_date_the_day_of_judgement_counts():
    x = valid(approval_date=None)
    assert codes(check_approval(x, on=d("2025-03-02")).findings) == []
    assert codes(check_approval(x, on=d("2025-03-03")).findings) == ["approval_window"]
    # judged before the congress happened: the congress may not come after the approval
    assert "order" in codes(check_approval(x, on=d("2024-12-01")).findings)


@pytest.mark.parametrize(
    ("changes", "code", "check"),
    [
        ({"candidate_date": d("2024-08-31")}, "cultivation", 1),
        ({"birth_date": d("2010-01-01")}, "age", 1),
        ({"pre_review_date": None}, "pre_review", 2),
        ({"sponsors": (FULL,)}, "sponsors", 2),
        ({"knowledge_passed": False}, "knowledge", 3),
        ({"motive_ok": False}, "motive", 3),
        ({"committee_talk_date": None}, "committee_talk", 3),
        ({"notice": Notice(d("2024-11-04"), d("2024-11-07"))}, "notice_length", 4),
        ({"notice": Notice(d("2024-11-04"), d("2024-11-08"), (Objection(False),))}, "notice_objection", 4),
        ({"able_to_fulfil_duties": False}, "duties", 4),
        ({"congress": None}, "congress_record", 5),
        ({"congress": Congress(d("2024-12-02"), 20, 10, 12)}, "congress_quorum", None),
        ({"approval_date": d("2025-03-03")}, "approval_window", None),
        ({"application_talk_date": d("2023-02-28")}, "order", None),
    ],
)
def test_each_finding_carries_its_wucha_number(changes, code, check):
    findings = [f for f in check_approval(valid(**changes), on=APPROVAL).findings if f.code == code]
    assert findings and {f.check for f in findings} == {check}
    if check:
        assert f"五查之{'一二三四五'[check - 1]}" in findings[0].message


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"activist_date": d("2024-03-01"), "candidate_date": d("2025-02-28")},
            "培养期不满一年：2024-03-01 确定为积极分子，2025-02-28 确定为发展对象，应不早于 2025-03-01（细则第十三条；五查之一）",
        ),
        (
            {"approval_date": d("2025-03-03")},
            "超过审批期限：2024-12-02 支部党员大会通过，2025-03-03 审批，应在三个月内即不晚于 2025-03-02（细则第二十三条）",
        ),
        (
            {"congress": Congress(d("2024-12-02"), 20, 15, 10)},
            "赞成票未超过应到会有表决权党员的半数：应到会 20 人，赞成 10 票（含会前书面表决），至少需 11 票（细则第二十一条）",
        ),
        (
            {"application_talk_date": d("2023-04-02")},
            "谈话超过一个月：2023-03-01 递交申请，2023-04-02 谈话，应不晚于 2023-04-01（细则第七条；五查之一）",
        ),
        (
            {"committee_talk_date": d("2024-12-01")},
            "日期顺序不对：党委谈话（2024-12-01）早于支部党员大会（2024-12-02），应在其后或同日（细则规定的发展程序）",
        ),
        (
            {"inspections": (d("2024-03-02"), d("2024-08-20"))},
            "培养考察间隔超过半年：2023-09-01 确定为入党积极分子，下一次考察应不晚于 2024-03-01，"
            "下一次考察在 2024-03-02（细则第十一条；五查之一）",
        ),
    ],
)
def test_messages_name_the_rule_the_article_and_the_dates(changes, message):
    x = valid(**changes)
    assert message in [f.message for f in check_approval(x, on=x.approval_date).findings]


# --- date arithmetic -------------------------------------------------------------------------------

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31))


@given(dates, st.integers(min_value=-120, max_value=120))
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(d0, n):
    result = add_months(d0, n)
    assert (result.year * 12 + result.month) - (d0.year * 12 + d0.month) == n
    assert result.day <= d0.day
    if result.day < d0.day:  # clamped: the last day of its month
        assert (result + timedelta(days=1)).month != result.month


@given(dates, st.integers(min_value=-24, max_value=24), st.integers(min_value=-24, max_value=24))
def test_add_months_in_two_steps_never_lands_after_one_step(d0, a, b):
    assert add_months(add_months(d0, a), b) <= add_months(d0, a + b)


@given(dates, st.integers(min_value=-50, max_value=50))
def test_add_years_is_twelve_months_and_keeps_month_and_day(d0, n):
    result = add_years(d0, n)
    assert result == add_months(d0, 12 * n)
    assert result.month == d0.month and result.day <= d0.day
    if (d0.month, d0.day) != (2, 29):
        assert result.day == d0.day


@given(dates)
def test_one_month_is_always_between_28_and_31_days(d0):
    assert 28 <= (add_months(d0, 1) - d0).days <= 31


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-01-31", 1, "2023-02-28"),
        ("2023-11-30", 3, "2024-02-29"),
        ("2024-08-31", 6, "2025-02-28"),
        ("2024-12-02", 3, "2025-03-02"),
        ("2025-03-31", -1, "2025-02-28"),
    ],
)
def test_add_months_examples(start, months, expected):
    assert add_months(d(start), months) == d(expected)


def test_twenty_ninth_of_february_plus_one_year_is_28_february():
    assert add_years(d("2024-02-29"), 1) == d("2025-02-28")
    assert add_years(d("2024-02-29"), 4) == d("2028-02-29")


def test_notice_length_counts_both_ends_and_half_is_not_more_than_half():
    assert rules.notice_days(d("2024-11-04"), d("2024-11-08")) == 5
    assert rules.notice_days(d("2024-11-04"), d("2024-11-04")) == 1
    assert [rules.more_than_half(n, 20) for n in (10, 11)] == [False, True]
    assert [rules.more_than_half(n, 21) for n in (10, 11)] == [False, True]


# --- one step at a time ----------------------------------------------------------------------------

TODAY = date(2026, 11, 23)


def step(name, x, on=TODAY):
    return codes(check_step(name, x, on=on))


def test_every_step_of_the_valid_dossier_may_be_recorded():
    for name in rules.STEPS:
        assert check_step(name, valid(), on=APPROVAL) == [], name


def test_candidate_step_runs_the_earlier_rules_and_cultivation():
    x = Dossier(
        birth_date=d("1995-05-01"),
        application_date=d("2023-03-01"),
        application_talk_date=d("2023-03-20"),
        activist_date=d("2024-02-29"),
        mentors=(FULL,),
        inspections=(d("2024-08-01"), d("2025-02-01")),
        candidate_date=d("2025-02-28"),
    )
    assert step("candidate", x) == []
    assert step("candidate", replace(x, candidate_date=d("2025-02-27"))) == ["cultivation"]
    assert step("candidate", replace(x, mentors=())) == ["mentors"]
    assert step("candidate", replace(x, inspections=())) == ["inspections"]
    # what is not yet due is not asked for: sponsors, review, congress …
    assert step("activist", replace(x, candidate_date=None, inspections=())) == []


def test_a_step_dated_after_today_is_refused_as_future():
    x = valid()
    findings = check_step("approval", x, on=d("2025-01-14"))
    assert codes(findings) == ["future"]
    assert "党委审批日期 2025-01-15 晚于今天 2025-01-14" in findings[0].message
    assert step("application", Dossier(birth_date=d("1990-01-01"), application_date=d("2026-11-24"))) == [
        "future"
    ]


def test_a_step_without_its_date_says_so():
    assert step("committee_review", valid(committee_review_date=None)) == ["missing_date"]


def test_volunteer_form_requires_the_pre_review():
    x = valid(pre_review_date=None, congress=None, committee_talk_date=None, approval_date=None)
    assert step("volunteer_form", x) == ["pre_review"]


def test_congress_requires_everything_before_the_vote():
    x = valid(committee_talk_date=None, approval_date=None)
    assert step("congress", x) == []
    # the committee's talk (where the motive is judged) comes after the congress
    assert (
        step("congress", replace(x, knowledge_passed=None, motive_ok=None, able_to_fulfil_duties=None)) == []
    )
    assert step("congress", replace(x, volunteer_form_date=None)) == ["volunteer_form"]
    assert step("congress", replace(x, sponsors=(FULL,))) == ["sponsors"]
    assert step("congress", replace(x, political_review_date=None)) == ["political_review"]
    assert step("congress", replace(x, training=None)) == ["training"]
    assert step("congress", replace(x, notice=Notice(d("2024-11-04"), d("2024-11-07")))) == ["notice_length"]
    assert step(
        "congress", replace(x, notice=Notice(d("2024-11-04"), d("2024-11-08"), (Objection(False),)))
    ) == ["notice_objection"]
    assert step("congress", replace(x, congress=Congress(d("2024-12-02"), 20, 10, 12))) == ["congress_quorum"]
    assert step("congress", replace(x, congress=Congress(d("2024-12-02"), 20, 15, 10))) == [
        "congress_majority"
    ]


def test_a_late_inspection_is_still_recorded_but_reported_at_the_candidate_step():
    x = valid(inspections=(d("2024-05-01"),), candidate_date=None)
    assert step("inspection", x) == []
    assert step("candidate", replace(x, candidate_date=d("2024-09-01"))) == ["inspections"]


def test_approval_step_is_the_whole_check():
    x = valid(motive_ok=False)
    assert check_step("approval", x, on=APPROVAL) == check_approval(x, on=APPROVAL).findings


def test_an_unknown_step_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown admission step"):
        check_step("oath", valid(), on=TODAY)


# --- probation -------------------------------------------------------------------------------------


def test_probation_ends_one_year_after_the_congress_not_the_approval():
    assert rules.probation_end(d("2024-12-02")) == d("2025-12-02")
    assert rules.probation_end(d("2024-02-29")) == d("2025-02-28")
    assert rules.full_member_date(d("2024-12-02")) == d("2025-12-02")
    assert rules.full_member_date(d("2024-12-02"), 6) == d("2026-06-02")


def outcome(kind="conversion", **kw):
    args = dict(
        congress_date=d("2024-12-02"),
        extension_months=None,
        extended_before=False,
        outcome_congress_date=d("2025-12-05"),
        approval_date=d("2026-01-10"),
        on=TODAY,
    )
    args.update(kw)
    return codes(check_probation_outcome(kind, **args))


@pytest.mark.parametrize(
    ("kind", "kw", "expected"),
    [
        ("conversion", {}, []),
        ("conversion", {"outcome_congress_date": d("2025-12-02")}, []),
        ("conversion", {"outcome_congress_date": d("2025-12-01")}, ["probation_congress"]),
        ("cancellation", {"outcome_congress_date": d("2025-06-01"), "approval_date": d("2025-07-01")}, []),
        ("conversion", {"outcome_congress_date": None}, ["probation_congress"]),
        # approval within three months of the outcome congress (2025-12-05)
        ("conversion", {"approval_date": d("2026-03-05")}, []),
        ("conversion", {"approval_date": d("2026-03-06")}, ["probation_approval_window"]),
        ("conversion", {"approval_date": None, "on": d("2026-03-06")}, ["probation_approval_window"]),
        ("conversion", {"approval_date": d("2025-12-04")}, ["probation_order"]),
        # one extension, six to twelve months
        ("extension", {"extension_months": 6}, []),
        ("extension", {"extension_months": 12}, []),
        ("extension", {"extension_months": 5}, ["probation_extension"]),
        ("extension", {"extension_months": 13}, ["probation_extension"]),
        ("extension", {"extension_months": None}, ["probation_extension"]),
        ("extension", {"extension_months": 6, "extended_before": True}, ["probation_extension"]),
        # conversion after a six-month extension: the probation ends on 2026-06-02
        (
            "conversion",
            {
                "extended_before": True,
                "extension_months": 6,
                "outcome_congress_date": d("2026-06-02"),
                "approval_date": d("2026-06-10"),
            },
            [],
        ),
        (
            "conversion",
            {
                "extended_before": True,
                "extension_months": 6,
                "outcome_congress_date": d("2026-06-01"),
                "approval_date": d("2026-06-10"),
            },
            ["probation_congress"],
        ),
        ("conversion", {"outcome_congress_date": d("2026-12-01"), "approval_date": None}, ["future"]),
    ],
)
def test_probation_outcomes(kind, kw, expected):
    assert outcome(kind, **kw) == expected


def test_probation_without_the_admitting_congress_cannot_be_judged():
    assert outcome(congress_date=None) == ["probation_order"]


def test_probation_messages_cite_the_articles():
    (finding,) = check_probation_outcome(
        "extension",
        congress_date=d("2024-12-02"),
        extension_months=13,
        extended_before=False,
        outcome_congress_date=d("2025-12-05"),
        approval_date=d("2026-01-10"),
        on=TODAY,
    )
    assert "实为 13 个月" in finding.message and "党章第七条" in finding.message


# --- rule versions ---------------------------------------------------------------------------------


def test_every_rule_is_registered_with_its_source_and_start_date():
    contract = {
        "age",
        "application_talk",
        "mentors",
        "inspections",
        "cultivation",
        "sponsors",
        "political_review",
        "training",
        "pre_review",
        "knowledge",
        "motive",
        "committee_talk",
        "notice_length",
        "notice_objection",
        "duties",
        "congress_record",
        "congress_quorum",
        "congress_majority",
        "approval_window",
        "order",
    }
    assert contract <= set(rules.RULES)
    for versions in rules.RULES.values():
        assert versions[0].effective_from == date(2014, 6, 11) and versions[0].article


def test_a_record_is_judged_by_the_rule_in_force_on_its_step_date(monkeypatch):
    (v2014,) = rules.RULES["cultivation"]
    revised = replace(v2014, article="修订后细则", effective_from=d("2026-07-01"), params={"years": 2})
    monkeypatch.setitem(rules.RULES, "cultivation", (v2014, revised))
    x = Dossier(activist_date=d("2024-08-01"), candidate_date=d("2026-06-30"))
    assert [f.code for f in rules._cultivation(x, TODAY)] == []  # before the revision: one year
    later = replace(x, candidate_date=d("2026-07-01"))
    (finding,) = rules._cultivation(later, TODAY)
    assert "修订后细则" in finding.message and "应不早于 2026-08-01" in finding.message


# --- reading the JSON contract ---------------------------------------------------------------------

CONTRACT_JSON = {
    "birth_date": "1995-05-01",
    "application_date": "2023-03-01",
    "application_talk_date": "2023-03-20",
    "activist_date": "2023-09-01",
    "mentors": [{"full_member": True}],
    "inspections": ["2024-02-20", "2024-08-20"],
    "candidate_date": "2024-09-01",
    "sponsors": [{"full_member": True}, {"full_member": True}],
    "political_review_date": "2024-10-10",
    "training": {"days": 3, "hours": 24},
    "committee_review_date": "2024-11-01",
    "notice": {"start": "2024-11-04", "end": "2024-11-08", "objections": [{"resolved": True}]},
    "pre_review_date": "2024-11-12",
    "knowledge_passed": True,
    "motive_ok": True,
    "able_to_fulfil_duties": True,
    "congress": {"date": "2024-12-02", "should_attend": 20, "present": 15, "in_favour": 12},
    "committee_talk_date": "2024-12-10",
    "approval_date": "2025-01-15",
}


def test_the_contract_json_reads_as_the_same_dossier():
    assert dossier_from_json(CONTRACT_JSON) == valid(volunteer_form_date=None)


def test_missing_and_null_fields_are_steps_not_yet_taken():
    x = dossier_from_json({"birth_date": "1995-05-01", "mentors": None, "notice": None, "special_case": None})
    assert x == Dossier(birth_date=d("1995-05-01"))
    assert dossier_from_json({"special_case": True}).special_case is True


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([], "输入应为一个 JSON 对象"),
        ("x", "输入应为一个 JSON 对象"),
        ({"birth_date": "2024-02-30"}, "出生日期（birth_date）：“2024-02-30” 不是有效的日期"),
        ({"birth_date": "1995/05/01"}, "出生日期（birth_date）：应为 YYYY-MM-DD"),
        ({"birth_date": 19950501}, "出生日期（birth_date）：应为 YYYY-MM-DD 格式的日期字符串，实为 数字"),
        (
            {"approval_date": "9999-01-01"},
            "党委审批日期（approval_date）：“9999-01-01” 的年份应在 1900 至 2199 之间",
        ),
        ({"inspections": "2024-02-20"}, "培养考察日期（inspections）：应为数组"),
        ({"inspections": ["2024-02-20", None]}, "培养考察日期（inspections[1]）"),
        ({"mentors": [{"full_member": "yes"}]}, "培养联系人（mentors[0].full_member）：应写明是否正式党员"),
        ({"mentors": [True]}, "培养联系人（mentors[0]）：应为 JSON 对象，实为 布尔值"),
        ({"sponsors": {"full_member": True}}, "入党介绍人（sponsors）：应为数组，实为 对象"),
        ({"training": {"days": -1}}, "集中培训（training.days）：不能为负数，实为 -1"),
        ({"training": {"days": 2.5}}, "集中培训（training.days）：应为整数，实为 数字"),
        ({"training": {"hours": "24"}}, "集中培训（training.hours）：应为数字，实为 字符串"),
        ({"training": [3, 24]}, "集中培训（training）：应为 JSON 对象"),
        ({"notice": {"start": "2024-11-31"}}, "公示（notice.start）：“2024-11-31” 不是有效的日期"),
        ({"notice": {"objections": [{}]}}, "公示（notice.objections[0].resolved）"),
        ({"knowledge_passed": "true"}, "党的基本知识（knowledge_passed）：应为 true 或 false，实为 字符串"),
        ({"motive_ok": 1}, "入党动机（motive_ok）：应为 true 或 false，实为 数字"),
        (
            {"congress": {"should_attend": True}},
            "支部党员大会（congress.should_attend）：应为整数，实为 布尔值",
        ),
        ({"congress": {"should_attend": 20, "present": -1}}, "congress.present）：不能为负数"),
        (
            {"congress": {"should_attend": 20, "present": 21}},
            "支部党员大会（congress.present）：到会人数 21 大于应到会有表决权的党员人数 20",
        ),
        (
            {"congress": {"should_attend": 20, "present": 15, "in_favour": 21}},
            "支部党员大会（congress.in_favour）：赞成票数 21 大于应到会有表决权的党员人数 20",
        ),
    ],
)
def test_unreadable_input_names_the_field_in_chinese(obj, message):
    with pytest.raises(InvalidDossier) as caught:
        dossier_from_json(obj)
    assert message in caught.value.message


# --- the holiday calendar ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2024-10-01", False),  # National Day
        ("2024-10-07", False),  # National Day, a Monday
        ("2024-10-12", True),  # Saturday make-up working day
        ("2024-09-29", True),  # Sunday make-up working day
        ("2024-10-08", True),
        ("2025-01-26", True),  # Sunday make-up working day before the Spring Festival
        ("2025-01-28", False),  # New Year's Eve, a holiday from 2025
        ("2025-02-08", True),  # Saturday make-up working day
        ("2025-05-05", False),
        ("2026-02-14", True),  # Saturday make-up working day
        ("2026-02-23", False),  # last day of the nine-day Spring Festival
        ("2015-09-03", False),  # 70th anniversary of the victory
        ("2015-09-06", True),
        ("2020-02-01", False),  # extended Spring Festival, make-up day cancelled
        ("2019-05-05", True),
        ("2024-11-05", True),  # an ordinary Tuesday
        ("2024-11-09", False),  # an ordinary Saturday
    ],
)
def test_official_holiday_calendar(day, working):
    assert holidays.is_working_day(d(day)) is working


def test_make_up_working_days_are_weekend_days_and_never_holidays():
    assert all(day.weekday() >= 5 for day in holidays.MAKEUP_WORKING_DAYS)
    assert not holidays.MAKEUP_WORKING_DAYS & holidays.HOLIDAYS


@pytest.mark.parametrize(
    ("year", "statutory"),
    # weekday days off minus make-up days = the statutory holidays of the year
    [
        (2014, 11),
        (2016, 11),
        (2019, 11),
        (2021, 11),
        (2022, 11),
        (2023, 11),
        (2024, 11),
        (2025, 13),
        (2026, 13),
    ],
)
def test_each_year_gives_its_statutory_number_of_days(year, statutory):
    off = sum(1 for day in holidays.HOLIDAYS if day.year == year and day.weekday() < 5)
    makeup = sum(1 for day in holidays.MAKEUP_WORKING_DAYS if day.year == year)
    assert off - makeup == statutory


def test_working_days_between_counts_both_ends():
    assert holidays.working_days_between(d("2024-09-30"), d("2024-10-12")) == 6
    assert holidays.working_days_between(d("2024-11-04"), d("2024-11-08")) == 5
    assert holidays.working_days_between(d("2024-11-08"), d("2024-11-04")) == 0


def test_outside_the_known_years_monday_to_friday_are_working_days():
    assert not holidays.is_known_year(2030)
    assert holidays.is_working_day(d("2030-10-01"))  # a Tuesday; the 2030 notice is not known
    assert not holidays.is_working_day(d("2030-10-05"))
