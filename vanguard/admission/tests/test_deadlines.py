"""The admission deadlines, pure (no database): each item at and on both sides of its
boundary, where it comes from, and the to-do's window and order."""

from datetime import date, timedelta

import pytest

from vanguard.admission import deadlines as dl
from vanguard.admission import rules


def facts(stage, *, probation_end=None, pending_outcome_congress=None, name="甲", **dossier):
    return dl.Facts(
        stage=stage,
        dossier=rules.Dossier(**dossier),
        probation_end=probation_end,
        pending_outcome_congress=pending_outcome_congress,
        dossier_id=1,
        person_name=name,
    )


def items(f, today):
    return {i.code: i for i in dl.due_items(f, today=today)}


def one(f, code, today=date(2000, 1, 1)):
    found = items(f, today)
    assert code in found, f"{code} not in {sorted(found)}"
    return found[code]


# --- severity ------------------------------------------------------------------------------

DUE = date(2026, 3, 31)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (DUE - timedelta(days=8), dl.UPCOMING),
        (DUE - timedelta(days=7), dl.SOON),
        (DUE, dl.SOON),  # the last day is not yet overdue
        (DUE + timedelta(days=1), dl.OVERDUE),
    ],
)
def test_a_deadline_is_soon_within_a_week_and_overdue_the_day_after(today, expected):
    assert dl.severity(DUE, deadline=True, today=today) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [(DUE - timedelta(days=1), dl.UPCOMING), (DUE, dl.READY), (DUE + timedelta(days=400), dl.READY)],
)
def test_a_reminder_becomes_ready_on_its_day_and_never_overdue(today, expected):
    assert dl.severity(DUE, deadline=False, today=today) == expected


# --- 细则第七条: the talk within a month of the application -----------------------------------


@pytest.mark.parametrize(
    ("applied", "due"),
    [
        (date(2026, 1, 15), date(2026, 2, 15)),
        (date(2026, 1, 31), date(2026, 2, 28)),  # clamped to the month's end
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2025, 12, 31), date(2026, 1, 31)),
    ],
)
def test_the_application_talk_is_due_one_month_after_the_application(applied, due):
    item = one(facts("applicant", application_date=applied), "application_talk")
    assert item.due == due
    assert item.deadline and "细则第七条" in item.article
    assert f"{due:%Y-%m-%d}" in item.detail


@pytest.mark.parametrize(
    ("today", "severity"),
    [(date(2026, 2, 28), dl.SOON), (date(2026, 3, 1), dl.OVERDUE), (date(2026, 2, 20), dl.UPCOMING)],
)
def test_the_application_talk_is_overdue_the_day_after_the_month(today, severity):
    f = facts("applicant", application_date=date(2026, 1, 31))
    assert one(f, "application_talk", today).severity == severity


def test_no_talk_is_due_once_it_is_recorded():
    f = facts("applicant", application_date=date(2026, 1, 31), application_talk_date=date(2026, 2, 10))
    assert "application_talk" not in items(f, date(2026, 5, 1))


def test_an_activist_without_a_recorded_talk_still_owes_it():
    f = facts("activist", application_date=date(2026, 1, 5), activist_date=date(2026, 3, 1))
    assert one(f, "application_talk").due == date(2026, 2, 5)


# --- 细则第十一条: an inspection every six months ---------------------------------------------


@pytest.mark.parametrize(
    ("inspections", "due"),
    [
        ((), date(2026, 2, 28)),  # six months after the activist date, clamped
        ((date(2025, 12, 1),), date(2026, 6, 1)),  # six months after the last inspection
        ((date(2025, 12, 1), date(2026, 3, 31)), date(2026, 9, 30)),
        ((date(2025, 1, 1),), date(2026, 2, 28)),  # an inspection before the activist date does not count
    ],
)
def test_the_next_inspection_is_due_six_months_after_the_last_one(inspections, due):
    f = facts(
        "activist",
        application_date=date(2025, 3, 1),
        application_talk_date=date(2025, 3, 10),
        activist_date=date(2025, 8, 31),
        inspections=inspections,
    )
    item = one(f, "inspection")
    assert item.due == due and item.deadline
    assert "细则第十一条" in item.article


def test_a_candidate_has_no_activist_inspection_due():
    f = facts("candidate", activist_date=date(2024, 3, 1), candidate_date=date(2025, 3, 5))
    assert not {"inspection", "candidate_eligible"} & set(items(f, date(2025, 4, 1)))


# --- 细则第十三条: a candidate after a year of cultivation (informational) -------------------


@pytest.mark.parametrize(
    ("activist", "up"),
    [(date(2025, 3, 1), date(2026, 3, 1)), (date(2024, 2, 29), date(2025, 2, 28))],
)
def test_candidate_designation_is_possible_a_year_after_the_activist_date(activist, up):
    item = one(facts("activist", activist_date=activist), "candidate_eligible")
    assert item.due == up and not item.deadline
    assert "细则第十三条" in item.article


@pytest.mark.parametrize("offset", [-1, 0, 1, 500])
def test_candidate_designation_is_information_never_overdue(offset):
    f = facts("activist", activist_date=date(2025, 3, 1))
    assert one(f, "candidate_eligible", date(2026, 3, 1) + timedelta(days=offset)).severity == dl.INFO


# --- the public notice, then the pre-review (细则第十七、十八条; 五查之四) -----------------------


def _notice(**more):
    return facts(
        "candidate",
        activist_date=date(2024, 3, 1),
        candidate_date=date(2025, 3, 5),
        notice=rules.Notice(start=date(2025, 5, 5), end=date(2025, 5, 11)),
        **more,
    )


@pytest.mark.parametrize(
    ("today", "severity"),
    [(date(2025, 5, 10), dl.UPCOMING), (date(2025, 5, 11), dl.READY), (date(2025, 7, 1), dl.READY)],
)
def test_the_notice_end_reminds_the_branch_to_send_for_pre_review(today, severity):
    item = one(_notice(), "notice_end", today)
    assert item.due == date(2025, 5, 11) and not item.deadline
    assert item.severity == severity
    assert "预审" in item.title and "细则第十七、十八条" in item.article


def test_no_notice_reminder_once_pre_reviewed():
    assert "notice_end" not in items(_notice(pre_review_date=date(2025, 5, 15)), date(2025, 5, 20))


# --- 细则第二十三条: approval within three months of the congress (six when special) --------


@pytest.mark.parametrize(
    ("congress", "special", "due"),
    [
        (date(2025, 6, 1), False, date(2025, 9, 1)),
        (date(2025, 11, 30), False, date(2026, 2, 28)),
        (date(2025, 6, 1), True, date(2025, 12, 1)),
        (date(2025, 8, 31), True, date(2026, 2, 28)),
    ],
)
def test_approval_is_due_three_months_after_the_congress(congress, special, due):
    f = facts("candidate", congress=rules.Congress(date=congress), special_case=special)
    item = one(f, "approval")
    assert item.due == due and item.deadline
    assert "细则第二十三条" in item.article


@pytest.mark.parametrize(("today", "severity"), [(date(2025, 9, 1), dl.SOON), (date(2025, 9, 2), dl.OVERDUE)])
def test_approval_is_overdue_the_day_after_the_window(today, severity):
    f = facts("candidate", congress=rules.Congress(date=date(2025, 6, 1)))
    assert one(f, "approval", today).severity == severity


def test_no_approval_due_once_approved():
    f = facts("candidate", congress=rules.Congress(date=date(2025, 6, 1)), approval_date=date(2025, 6, 20))
    assert "approval" not in items(f, date(2025, 7, 1))


# --- probation (党章第七条; 细则第二十八至三十条) ---------------------------------------------------


def test_the_probation_end_calls_for_the_conversion_vote():
    f = facts(
        "probationary",
        congress=rules.Congress(date=date(2025, 6, 1)),
        probation_end=rules.probation_end(date(2025, 6, 1)),
    )
    item = one(f, "probation_end", date(2026, 5, 31))
    assert item.due == date(2026, 6, 1) and item.severity == dl.SOON
    assert "党章第七条" in item.article
    assert one(f, "probation_end", date(2026, 6, 2)).severity == dl.OVERDUE


def test_an_extended_probation_ends_at_the_end_of_the_extension():
    end = rules.add_months(rules.probation_end(date(2025, 6, 1)), 6)
    f = facts("probationary", congress=rules.Congress(date=date(2025, 6, 1)), probation_end=end)
    assert one(f, "probation_end").due == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("vote", "due"), [(date(2026, 6, 5), date(2026, 9, 5)), (date(2026, 11, 30), date(2027, 2, 28))]
)
def test_after_the_vote_the_committee_approves_within_three_months(vote, due):
    f = facts(
        "probationary",
        congress=rules.Congress(date=date(2025, 6, 1)),
        probation_end=date(2026, 6, 1),
        pending_outcome_congress=vote,
    )
    found = items(f, date(2026, 7, 1))
    assert "probation_end" not in found
    assert found["outcome_approval"].due == due
    assert "细则第三十条" in found["outcome_approval"].article


@pytest.mark.parametrize("stage", ["full", "cancelled", "stopped"])
def test_a_closed_dossier_owes_nothing(stage):
    f = facts(stage, application_date=date(2026, 1, 5), congress=rules.Congress(date=date(2025, 6, 1)))
    assert dl.due_items(f, today=date(2026, 1, 6)) == []


# --- the to-do: window and order ------------------------------------------------------------

TODAY = date(2026, 11, 23)


def _item(code, due, *, deadline=True, informational=False, name="甲"):
    return dl.Due(
        code=code,
        title=code,
        due=due,
        article="",
        detail="",
        deadline=deadline,
        severity=dl.severity(due, deadline=deadline, today=TODAY, informational=informational),
        person_name=name,
    )


@pytest.mark.parametrize(
    ("offset", "deadline", "informational", "shown"),
    [
        (-400, True, False, True),  # overdue, however long ago
        (30, True, False, True),
        (31, True, False, False),
        (-400, False, False, True),  # a ready reminder stays until done
        (31, False, False, False),
        (-30, False, True, True),  # information: thirty days either side
        (-31, False, True, False),
        (30, False, True, True),
        (31, False, True, False),
    ],
)
def test_the_to_do_window(offset, deadline, informational, shown):
    item = _item("x", TODAY + timedelta(days=offset), deadline=deadline, informational=informational)
    assert dl.in_window(item, today=TODAY, days=30) is shown


def test_the_to_do_lists_overdue_first_oldest_first_then_by_date():
    todo = dl.to_do(
        [
            _item("later", TODAY + timedelta(days=20)),
            _item("overdue_recent", TODAY - timedelta(days=1)),
            _item("ready", TODAY - timedelta(days=50), deadline=False),
            _item("soon", TODAY + timedelta(days=2)),
            _item("overdue_old", TODAY - timedelta(days=40)),
            _item("too_late", TODAY + timedelta(days=60)),
        ],
        today=TODAY,
    )
    assert [i.code for i in todo] == ["overdue_old", "overdue_recent", "ready", "soon", "later"]
