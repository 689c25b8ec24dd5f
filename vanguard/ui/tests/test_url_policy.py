"""Every URL × every role (issue 2, "Security from the first line").

1. Every URL pattern of the site declares the action it needs (`@requires`); a new
   view without one fails `test_every_url_declares_a_policy`.
2. For every URL and every role: anonymous users are sent to the login page; a role
   without the action gets 403; an object outside the user's scope gets 404, whatever
   id is tried; an object inside it is served.

The expectations below are written out by hand from the role table in
docs/decisions/0002-roles-and-scope.md, not read from the code under test.
"""

from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from vanguard.accounts.models import Role
from vanguard.accounts.policy import AUTHENTICATED, PUBLIC
from vanguard.people.models import Person

ALLOWED = {
    Role.ORG_DEPARTMENT: {
        "org.view",
        "org.manage",
        "person.view",
        "person.manage",
        "person.unmask",
        "register.export",
        "import.orgs",
        "import.roster",
        "audit.view",
        "admission.view",
        "admission.record",
        "admission.approve",
        "assessment.view",
        "assessment.rules",
        "assessment.close",
        "appraisal.view",
        "appraisal.manage",
        "appraisal.rubric",
    },
    Role.COMMITTEE_SECRETARY: {
        "org.view",
        "org.manage",
        "person.view",
        "person.manage",
        "person.unmask",
        "register.export",
        "import.orgs",
        "import.roster",
        "audit.view",
        "admission.view",
        "admission.record",
        "admission.approve",
        "assessment.view",
        "assessment.rules",
        "assessment.close",
        "appraisal.view",
        "appraisal.manage",
    },
    Role.COMMITTEE_ORGANIZER: {
        "org.view",
        "org.manage",
        "person.view",
        "person.manage",
        "person.unmask",
        "register.export",
        "import.orgs",
        "import.roster",
        "audit.view",
        "admission.view",
        "admission.record",
        "admission.approve",
        "assessment.view",
        "assessment.rules",
        "assessment.close",
        "appraisal.view",
        "appraisal.manage",
    },
    Role.BRANCH_SECRETARY: {
        "org.view",
        "org.manage",
        "person.view",
        "person.manage",
        "person.unmask",
        "register.export",
        "import.roster",
        "admission.view",
        "admission.record",
        "assessment.view",
        "assessment.record",
        "assessment.rules",
        "assessment.close",
        "appraisal.view",
        "appraisal.record",
        "appraisal.manage",
    },
    Role.BRANCH_COMMITTEE_MEMBER: {
        "org.view",
        "person.view",
        "person.manage",
        "register.export",
        "admission.view",
        "admission.record",
        "assessment.view",
        "assessment.record",
        "appraisal.view",
        "appraisal.record",
    },
    Role.GROUP_LEADER: {"org.view", "person.view", "assessment.view", "assessment.record", "appraisal.view"},
    "member": {"person.view", "person.unmask"},
}
ROLES = list(ALLOWED)


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield namespace, prefix + str(p.pattern), p


def site_patterns():
    """Every URL except the JSON API, whose operations are walked by
    vanguard/accounts/tests/test_api_policy.py in the same way."""
    return [
        (ns, route, p) for ns, route, p in _walk(get_resolver().url_patterns) if not ns.startswith("api:")
    ]


def test_every_url_declares_a_policy():
    missing = [route for _, route, p in site_patterns() if not getattr(p.callback, "vanguard_policy", None)]
    assert missing == [], f"URLs without a declared policy (@requires): {missing}"


def test_the_walk_sees_the_pages():
    names = {f"{ns}{p.name}" for ns, _, p in site_patterns()}
    assert {"people:list", "people:detail", "organizations:tree", "accounts:login", "ui:audit"} <= names


CASES = [(f"{ns}{p.name}", p) for ns, _, p in site_patterns()]


@pytest.fixture
def dossiers(tree, make_person):
    """Admission dossiers of an applicant in 综采一队 (inside most scopes) and in 二矿."""
    from vanguard.admission.services import open_dossier

    def applicant(branch, group, name):
        p = make_person(
            branch,
            name=name,
            group=group,
            political_status="worker",
            application_date=None,
            join_date=None,
            full_member_date=None,
        )
        return open_dossier(person=p, on=date(2025, 1, 6), acting_user=None)

    return applicant(tree.branch1, tree.group1, "周申请"), applicant(tree.branch2, tree.group3, "吴申请")


def _objects(tree, role, dossiers):
    """(inside, outside) objects for a role: organisations, people and dossiers."""
    org_in = {
        Role.ORG_DEPARTMENT: tree.mine2,
        Role.COMMITTEE_SECRETARY: tree.branch1,
        Role.COMMITTEE_ORGANIZER: tree.branch1,
        Role.BRANCH_SECRETARY: tree.group1,
        Role.BRANCH_COMMITTEE_MEMBER: tree.branch1,
        Role.GROUP_LEADER: tree.group1,
        "member": tree.branch1,
    }[role]
    person_in = Person.objects.get(name="李党员")
    person_out = Person.objects.get(name="王外人")
    if role == Role.ORG_DEPARTMENT:
        return (org_in, person_in, dossiers[0]), None
    return (org_in, person_in, dossiers[0]), (tree.group3, person_out, dossiers[1])


def _kwargs(pattern, objects):
    org, person, dossier = objects
    keys = set(pattern.pattern.converters)
    policy = pattern.callback.vanguard_policy
    kwargs = {}
    if "pk" in keys:
        if policy.startswith("person"):
            kwargs["pk"] = person.pk
        elif policy.startswith("admission"):
            kwargs["pk"] = dossier.pk
        else:
            kwargs["pk"] = org.pk
    if "person_pk" in keys:
        kwargs["person_pk"] = dossier.person_id
    if "field" in keys:
        kwargs["field"] = "phone"
    if "kind" in keys:
        kwargs["kind"] = "application_talk" if policy.startswith("admission") else "roster"
    if "token" in keys:  # an upload token that is not the user's: never found
        kwargs["token"] = "0" * 32
    if "org_id" in keys:  # admission plans: the dossier's branch (综采一队 inside, 掘进二队 outside)
        kwargs["org_id"] = dossier.person.branch_id
    if "class_id" in keys:  # a training class of the committee above it (一矿 inside, 二矿 outside)
        kwargs["class_id"] = _training_class(dossier.person.branch.parent).pk
    if "entry_id" in keys:  # a score entry with an evidence photo, of 李党员 (inside) or 王外人
        kwargs["entry_id"] = _evidence_entry(person).pk
    if "job_id" in keys:  # a committee-close job over the role's organisation (inside) or 掘进党小组
        kwargs["job_id"] = _close_job(org).pk
    if "cycle_id" in keys:  # an appraisal cycle of the dossier's branch (综采一队 inside, 掘进二队 outside)
        kwargs["cycle_id"] = _appraisal_cycle(dossier.person.branch).pk
    if "subject_id" in keys:  # a member appraised in that cycle: 李党员 (inside) or 王外人
        kwargs["subject_id"] = person.pk
    if "card_pk" in keys:  # a goal card of 李党员 (inside) or 王外人 (outside)
        kwargs["card_pk"] = _goal_card(person).pk
    if "quarter" in keys:
        kwargs["quarter"] = 1
    if "branch_id" in keys:  # a branch's flag board in that cycle: 综采一队 (inside) or 掘进二队
        kwargs["branch_id"] = dossier.person.branch_id
    if "talk_id" in keys:  # a talk with 李党员 (inside) or 王外人 (outside)
        kwargs["talk_id"] = _talk(person).pk
    return kwargs


def _talk(person):
    """A talk task of a member flagged yellow in a published quarter of their branch."""
    from vanguard.appraisal.models import Cycle, CycleResult, Talk
    from vanguard.appraisal.rubric import rubric_in_force

    cycle = Cycle.objects.get_or_create(
        organization=person.branch,
        kind="quarterly",
        year=2025,
        quarter=4,
        defaults=dict(
            rubric=rubric_in_force(organization=person.branch),
            state="published",
            published_on=date(2026, 1, 10),
        ),
    )[0]
    result = CycleResult.objects.get_or_create(
        cycle=cycle, person=person, defaults=dict(branch=person.branch, score=85, flag="yellow", rank=1)
    )[0]
    return Talk.objects.get_or_create(result=result, defaults=dict(person=person, branch=person.branch))[0]


def _goal_card(person):
    from vanguard.appraisal.models import GoalCard

    return GoalCard.objects.get_or_create(
        person=person, year=date.today().year, defaults={"branch": person.branch}
    )[0]


def _appraisal_cycle(branch):
    from vanguard.appraisal.models import Cycle
    from vanguard.appraisal.rubric import rubric_in_force

    return Cycle.objects.get_or_create(
        organization=branch,
        kind="yearly",
        year=2025,
        defaults={"rubric": rubric_in_force(organization=branch)},
    )[0]


def _close_job(org):
    from vanguard.core.models import BatchJob

    return BatchJob.objects.get_or_create(
        kind="assessment.close_month",
        scope_id=org.pk,
        defaults=dict(label=f"{org.name} 整体结算", scope_label=org.name, params={"month": "2025-03"}),
    )[0]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # evidence files written by _evidence_entry


def _evidence_entry(person):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from vanguard.assessment import services as assessment

    existing = person.score_entries.exclude(attachment="").first()
    if existing:
        return existing
    item = assessment.ensure_default_rules(organization=person.branch).items.first()
    return assessment.record_entry(
        person=person,
        item=item,
        on=timezone.localdate(),
        acting_user=None,
        attachment=SimpleUploadedFile("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64),
    )


def _training_class(committee):
    from vanguard.admission.models import TrainingClass

    return TrainingClass.objects.get_or_create(
        committee=committee,
        title="入党积极分子培训班",
        defaults=dict(year=2025, starts_on=date(2025, 4, 7), ends_on=date(2025, 4, 9), days=3, hours=24),
    )[0]


def _takes_object(pattern):
    return bool(
        {"pk", "person_pk", "org_id", "class_id", "entry_id", "card_pk", "job_id", "cycle_id", "talk_id"}
        & set(pattern.pattern.converters)
    )


def _call(client, name, pattern, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


@pytest.mark.parametrize(("name", "pattern"), CASES, ids=[c[0] for c in CASES])
def test_anonymous_users_are_sent_to_login(client, tree, users, dossiers, name, pattern):
    policy = pattern.callback.vanguard_policy
    inside, _ = _objects(tree, Role.ORG_DEPARTMENT, dossiers)
    response = _call(client, name, pattern, _kwargs(pattern, inside))
    if policy == PUBLIC:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 302 and reverse("accounts:login") in response.url


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize(("name", "pattern"), CASES, ids=[c[0] for c in CASES])
def test_each_role_gets_what_its_post_allows(client, tree, users, dossiers, role, name, pattern):
    policy = pattern.callback.vanguard_policy
    client.force_login(users[role])
    inside, outside = _objects(tree, role, dossiers)
    if policy in (PUBLIC, AUTHENTICATED):
        response = _call(client, name, pattern, _kwargs(pattern, inside))
        assert response.status_code in (200, 302)
        return
    allowed = policy in ALLOWED[role]
    response = _call(client, name, pattern, _kwargs(pattern, inside))
    if not allowed:
        assert response.status_code == 403, f"{role} must not reach {name}"
        return
    if _takes_object(pattern):
        assert response.status_code not in (403, 404), f"{role} must reach {name} inside the scope"
        if outside is not None:
            answer = _call(client, name, pattern, _kwargs(pattern, outside))
            assert answer.status_code == 404, f"{role} must not reach {name} outside the scope"
    else:
        assert response.status_code != 403


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_nothing_outside_the_scope_changes_through_any_post(client, tree, users, dossiers, role):
    """POSTing to every write URL with ids outside the scope leaves the outsider alone."""
    if role == Role.ORG_DEPARTMENT:
        return
    client.force_login(users[role])
    outsider = Person.objects.get(name="王外人")
    before = (outsider.branch_id, outsider.status, outsider.name, outsider.updated_at)
    group3_before = (tree.group3.name, tree.group3.status)
    steps_before = dossiers[1].steps.count()
    _, outside = _objects(tree, role, dossiers)
    for name, pattern in CASES:
        if not _takes_object(pattern):
            continue
        client.post(
            reverse(name, kwargs=_kwargs(pattern, outside)),
            {
                "name": "改名",
                "reason": "deceased",
                "to_branch": tree.branch1.pk,
                "target": tree.group1.pk,
                "new_parent": tree.branch1.pk,
                "on": "2025-02-01",
            },
        )
    outsider.refresh_from_db()
    tree.group3.refresh_from_db()
    assert (outsider.branch_id, outsider.status, outsider.name, outsider.updated_at) == before
    assert (tree.group3.name, tree.group3.status) == group3_before
    assert dossiers[1].steps.count() == steps_before
