"""A person's way into the party, recorded step by step through the services, and the
steps the rules refuse."""

from datetime import date

import pytest

from vanguard.accounts.models import Role
from vanguard.admission import selectors, services
from vanguard.admission.models import Dossier, Stage, Step, StepKind
from vanguard.admission.tests.journey import TO_APPROVAL, TO_CANDIDATE, record, walk
from vanguard.core.errors import DomainError
from vanguard.core.models import AuditEntry
from vanguard.people.models import Person

pytestmark = pytest.mark.django_db


def test_the_whole_way_from_application_to_full_membership(candidate, mentors, users, applicant):
    assert candidate.stage == Stage.CANDIDATE
    walk(candidate, TO_APPROVAL, mentors, users)
    applicant.refresh_from_db()
    candidate.refresh_from_db()
    assert candidate.stage == Stage.PROBATIONARY
    # Probation and party standing start on the day of the congress resolution.
    assert applicant.political_status == "probationary" and applicant.join_date == date(2025, 6, 1)
    walk(
        candidate,
        [(StepKind.OATH, date(2025, 7, 1)), (StepKind.CONVERSION_APPLICATION, date(2026, 5, 20))],
        mentors,
        users,
    )
    record(
        candidate,
        StepKind.OUTCOME_CONGRESS,
        date(2026, 6, 5),
        users[Role.BRANCH_SECRETARY],
        outcome="conversion",
        should_attend=21,
        present=18,
        in_favour=17,
    )
    record(
        candidate,
        StepKind.OUTCOME_APPROVAL,
        date(2026, 6, 20),
        users[Role.COMMITTEE_ORGANIZER],
        outcome="conversion",
    )
    applicant.refresh_from_db()
    candidate.refresh_from_db()
    assert candidate.stage == Stage.FULL and candidate.closed_on == date(2026, 6, 20)
    # The full-membership date is the end of probation, whenever the vote happened.
    assert applicant.political_status == "full" and applicant.full_member_date == date(2026, 6, 1)
    assert AuditEntry.objects.filter(action="admission.approval").count() == 1


def test_candidate_designation_before_a_year_of_cultivation_is_refused(applicant, mentors, users):
    dossier = services.open_dossier(
        person=applicant, on=date(2024, 1, 10), acting_user=users[Role.BRANCH_SECRETARY]
    )
    walk(dossier, TO_CANDIDATE[:4], mentors, users)
    with pytest.raises(DomainError) as exc:
        record(dossier, StepKind.CANDIDATE, date(2025, 2, 28), users[Role.BRANCH_SECRETARY])
    assert "2025-03-01" in str(exc.value)
    assert not Step.objects.filter(dossier=dossier, kind=StepKind.CANDIDATE).exists()
    assert Dossier.objects.get(pk=dossier.pk).stage == Stage.ACTIVIST


def test_approval_is_refused_under_the_five_checks_and_says_why(candidate, mentors, users, applicant):
    steps = [
        s
        for s in TO_APPROVAL
        if s[0] not in (StepKind.PRE_REVIEW, StepKind.COMMITTEE_TALK, StepKind.APPROVAL)
    ]
    steps = [s for s in steps if s[0] != StepKind.VOLUNTEER_FORM and s[0] != StepKind.CONGRESS]
    walk(candidate, steps, mentors, users)
    facts = selectors.facts(candidate, selectors.steps_of(candidate))
    from vanguard.admission import rules

    verdict = rules.check_approval(facts, on=date(2025, 6, 20))
    assert not verdict.approvable
    checks = {f.check for f in verdict.findings}
    assert {2, 3, 5} <= checks  # no pre-review, no committee talk, no congress vote
    applicant.refresh_from_db()
    assert applicant.political_status == "candidate"


def test_the_branch_cannot_approve(candidate, mentors, users):
    walk(candidate, TO_APPROVAL[:-1], mentors, users)
    with pytest.raises(DomainError, match="须由党委"):
        record(candidate, StepKind.APPROVAL, date(2025, 6, 20), users[Role.BRANCH_SECRETARY])


def test_a_step_cannot_be_recorded_twice_and_a_correction_keeps_both(candidate, mentors, users):
    talk = Step.objects.get(dossier=candidate, kind=StepKind.APPLICATION_TALK)
    walk(candidate, TO_APPROVAL[:2], mentors, users)
    with pytest.raises(DomainError, match="已记录过"):
        record(candidate, StepKind.POLITICAL_REVIEW, date(2025, 4, 2), users[Role.BRANCH_SECRETARY])
    fixed = services.correct_step(
        step=talk,
        on=date(2024, 1, 18),
        data=None,
        reason="原记录日期笔误",
        acting_user=users[Role.BRANCH_SECRETARY],
    )
    assert fixed.corrects == talk
    assert Step.objects.filter(dossier=candidate, kind=StepKind.APPLICATION_TALK).count() == 2
    effective = selectors.effective_steps(selectors.steps_of(candidate))
    assert [s.on for s in effective if s.kind == StepKind.APPLICATION_TALK] == [date(2024, 1, 18)]


def test_a_step_in_the_future_is_refused(candidate, users):
    with pytest.raises(DomainError, match="不能晚于今天"):
        record(candidate, StepKind.POLITICAL_REVIEW, date(2099, 1, 1), users[Role.BRANCH_SECRETARY])


def test_steps_are_append_only(candidate):
    step = Step.objects.filter(dossier=candidate).first()
    step.on = date(2020, 1, 1)
    with pytest.raises(PermissionError):
        step.save()


def test_a_member_cannot_apply(users, tree):
    with pytest.raises(DomainError, match="已是党员"):
        services.open_dossier(
            person=Person.objects.get(name="李党员"),
            on=date(2024, 1, 1),
            acting_user=users[Role.BRANCH_SECRETARY],
        )


def test_outside_the_scope_nothing_is_recorded(candidate, users):
    with pytest.raises(DomainError):
        record(candidate, StepKind.POLITICAL_REVIEW, date(2025, 4, 1), users["outsider_member"])
