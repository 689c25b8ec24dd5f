"""Fixtures for the admission tests: an applicant, two full members, a candidate."""

from datetime import date

import pytest

from vanguard.accounts.models import Role
from vanguard.admission import services
from vanguard.admission.tests.journey import TO_CANDIDATE, walk
from vanguard.people.models import Person


@pytest.fixture
def applicant(tree, make_person):
    return make_person(
        tree.branch1,
        name="赵申请",
        birth_date=date(1996, 4, 2),
        political_status="worker",
        application_date=None,
        join_date=None,
        full_member_date=None,
    )


@pytest.fixture
def mentors(tree, make_person, users):
    return [Person.objects.get(name="李党员"), make_person(tree.branch1, name="钱正式")]


@pytest.fixture
def candidate(applicant, mentors, users):
    dossier = services.open_dossier(
        person=applicant, on=date(2024, 1, 10), acting_user=users[Role.BRANCH_SECRETARY]
    )
    walk(dossier, TO_CANDIDATE, mentors, users)
    dossier.refresh_from_db()
    return dossier
