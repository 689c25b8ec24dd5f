"""seed_demo's admission dossiers: who gets one, in which stage, and the --dossiers count."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from vanguard.admission.models import Dossier, Step
from vanguard.admission.rules import add_years
from vanguard.demo.dossiers import RECENT_YEARS
from vanguard.demo.services import seed_demo
from vanguard.people.models import Person

STAGE_OF = {
    "applicant": "applicant",
    "activist": "activist",
    "candidate": "candidate",
    "probationary": "probationary",
    "full": "full",
    "worker": "stopped",
}


def test_by_default_the_pipeline_and_recent_members_have_a_dossier(db):
    report = seed_demo(members=300, seed=5)
    recent = add_years(timezone.localdate(), -RECENT_YEARS)
    expected = set(
        Person.objects.filter(
            political_status__in=["applicant", "activist", "candidate", "probationary"]
        ).values_list("pk", flat=True)
    ) | set(
        Person.objects.filter(political_status="full", join_date__gte=recent).values_list("pk", flat=True)
    )
    assert set(Dossier.objects.values_list("person_id", flat=True)) == expected
    assert report.dossiers == len(expected) and report.steps == Step.objects.count()


def test_each_dossier_is_at_its_person_s_stage_and_opened_on_the_application(db):
    seed_demo(members=300, seed=5, dossiers=300)
    for d in Dossier.objects.select_related("person"):
        assert d.stage == STAGE_OF[d.person.political_status], d.person.name
        if d.person.application_date:
            assert d.opened_on == d.person.application_date
        first = d.steps.order_by("on", "id").first()
        assert first.kind == "application" and first.on == d.opened_on
        if d.stage in ("probationary", "full"):
            assert d.steps.get(kind="congress").on == d.person.join_date
    assert Dossier.objects.count() == 300


def test_more_dossiers_than_people_is_refused_in_chinese(db):
    with pytest.raises(CommandError, match="档案数"):
        call_command("seed_demo", members=300, dossiers=301, stdout=StringIO())
