"""A dossier that obeys every rule, step by step, for the admission tests."""

from datetime import date

from vanguard.accounts.models import Role
from vanguard.admission import services
from vanguard.admission.models import StepKind
from vanguard.admission.selectors import member_ref
from vanguard.admission.services import StepInput


def record(dossier, kind, on, user, **data):
    return services.record_step(
        dossier=dossier, step=StepInput(kind=kind, on=on, data=data), acting_user=user
    )


# The dates of a dossier that obeys every rule, step by step.
TO_CANDIDATE = [
    (StepKind.APPLICATION_TALK, date(2024, 1, 20)),
    (StepKind.ACTIVIST, date(2024, 3, 1)),
    (StepKind.INSPECTION, date(2024, 8, 25)),
    (StepKind.INSPECTION, date(2025, 2, 20)),
    (StepKind.CANDIDATE, date(2025, 3, 5)),
]
TO_APPROVAL = [
    (StepKind.SPONSORS, date(2025, 3, 10)),
    (StepKind.POLITICAL_REVIEW, date(2025, 4, 1)),
    (StepKind.TRAINING, date(2025, 4, 10)),
    (StepKind.COMMITTEE_REVIEW, date(2025, 5, 1)),
    (StepKind.NOTICE, date(2025, 5, 11)),
    (StepKind.PRE_REVIEW, date(2025, 5, 15)),
    (StepKind.VOLUNTEER_FORM, date(2025, 5, 20)),
    (StepKind.CONGRESS, date(2025, 6, 1)),
    (StepKind.COMMITTEE_TALK, date(2025, 6, 10)),
    (StepKind.APPROVAL, date(2025, 6, 20)),
]


def step_data(kind, mentors):
    return {
        StepKind.ACTIVIST: {"mentors": [member_ref(mentors[0])]},
        StepKind.SPONSORS: {"sponsors": [member_ref(m) for m in mentors]},
        StepKind.POLITICAL_REVIEW: {"conclusion": "政治合格"},
        StepKind.TRAINING: {"days": 3, "hours": 24, "knowledge_passed": True},
        StepKind.COMMITTEE_REVIEW: {"able_to_fulfil_duties": True, "motive_ok": True},
        StepKind.NOTICE: {"start": "2025-05-05", "end": "2025-05-11", "objections": []},
        StepKind.CONGRESS: {"should_attend": 20, "present": 15, "in_favour": 12},
        StepKind.COMMITTEE_TALK: {"motive_ok": True},
    }.get(kind, {})


def walk(dossier, steps, mentors, users):
    for kind, on in steps:
        user = (
            users[Role.COMMITTEE_ORGANIZER]
            if kind in services.COMMITTEE_STEPS
            else users[Role.BRANCH_SECRETARY]
        )
        record(dossier, kind, on, user, **step_data(kind, mentors))
