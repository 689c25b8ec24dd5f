"""seed_demo: a demo coal group whose every record obeys the register's rules, with one
working account per role, each seeing only its own part of the tree."""

import random
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from vanguard.accounts.models import User
from vanguard.core.models import AuditEntry
from vanguard.demo.builder import PeopleFactory, plan_group
from vanguard.demo.catalog import chinese_numeral
from vanguard.demo.services import DEMO_PASSWORD
from vanguard.organizations.models import Organization, ProductionUnit
from vanguard.organizations.rules import placement_problem
from vanguard.people import rules
from vanguard.people.models import Person, PersonEvent
from vanguard.people.selectors import visible_people

N = 300


@pytest.fixture
def seeded(db):
    out = StringIO()
    call_command("seed_demo", members=N, seed=7, stdout=out)
    return out.getvalue()


def facts(p: Person) -> rules.PersonFacts:
    return rules.PersonFacts(
        name=p.name,
        gender=p.gender,
        birth_date=p.birth_date,
        id_number=p.id_number,
        phone=p.phone,
        political_status=p.political_status,
        application_date=p.application_date,
        join_date=p.join_date,
        full_member_date=p.full_member_date,
    )


def test_every_seeded_person_obeys_the_register_rules(seeded):
    today = timezone.localdate()
    people = list(Person.objects.all())
    assert len(people) == N
    broken = {p.name: rules.check_person(facts(p), today=today) for p in people}
    assert {name: problems for name, problems in broken.items() if problems} == {}
    assert all(date(1966, 1, 1) <= p.birth_date <= date(2004, 12, 31) for p in people)
    assert all(rules.search_keys(p.name) == (p.name_pinyin, p.name_initials) for p in people)


def test_the_mix_of_party_standing_looks_like_a_coal_group(seeded):
    statuses = [p.political_status for p in Person.objects.all()]
    share = {s: statuses.count(s) / len(statuses) for s in set(statuses)}
    assert 0.6 < share["full"] < 0.8
    assert 0.08 < share["worker"] < 0.25
    assert sum(share.get(s, 0) for s in ("applicant", "activist", "candidate")) > 0.04
    assert Person.objects.filter(employment="retired").exists()
    assert Person.objects.filter(gender="male").count() > 0.8 * N


def test_the_tree_has_the_expected_kinds_and_placements(seeded):
    orgs = list(Organization.objects.select_related("parent"))
    [top] = [o for o in orgs if o.parent is None]
    assert top.kind == "committee"
    mines = [o for o in orgs if o.parent_id == top.pk]
    assert [m.name for m in mines] == ["一矿党委", "二矿党委"]
    assert {m.kind for m in mines} == {"committee"}
    for o in orgs:
        assert placement_problem(o.kind, o.parent.kind if o.parent else None) is None
        assert o.path == (o.parent.path if o.parent else "/") + f"{o.pk}/"
        assert o.depth == (o.parent.depth + 1 if o.parent else 0)
    first = Organization.objects.get(parent__name="一矿党委", name="综采一队党支部")
    assert first.units.get().name == "综采一队"
    assert Organization.objects.filter(kind="general_branch", name="机关党总支").count() == 2
    assert Organization.objects.filter(kind="branch").count() > 6
    assert (
        Organization.objects.filter(kind="group").count()
        >= 2 * Organization.objects.filter(kind="branch").count()
    )


def test_units_and_people_sit_where_their_organisations_do(seeded):
    for unit in ProductionUnit.objects.select_related("organization", "parent__organization"):
        if unit.kind == "work_district":
            assert unit.organization.kind == "branch"
        else:
            assert unit.organization.kind == "group"
            assert unit.organization.parent_id == unit.parent.organization_id
    for p in Person.objects.select_related("branch", "group", "crew"):
        assert p.branch.kind == "branch"
        assert p.group is None or p.group.parent_id == p.branch_id
        assert p.crew is None or (
            p.crew.parent_id == p.work_district_id and p.crew.organization_id == p.group_id
        )
    assert PersonEvent.objects.filter(kind="created").count() == N


def test_each_branch_has_a_secretary(seeded):
    for branch in Organization.objects.filter(kind="branch"):
        assert branch.people.filter(party_post="党支部书记", political_status="full").count() == 1, (
            branch.name
        )


@pytest.mark.parametrize(
    "username",
    [
        "orgdept",
        "mine1_secretary",
        "mine1_organizer",
        "branch_secretary",
        "branch_committee",
        "group_leader",
        "member",
    ],
)
def test_every_demo_account_logs_in_with_the_demo_password(seeded, client, username):
    assert client.login(username=username, password=DEMO_PASSWORD)
    assert username in seeded


def _visible(username):
    return set(visible_people(User.objects.get(username=username)).values_list("pk", flat=True))


def test_each_account_sees_only_its_scope(seeded):
    all_people = set(Person.objects.values_list("pk", flat=True))
    branch = Organization.objects.get(parent__name="一矿党委", name="综采一队党支部")
    group = branch.children.order_by("sort_order").first()
    mine1 = Organization.objects.get(name="一矿党委")

    assert _visible("orgdept") == all_people
    mine1_people = set(
        Person.objects.filter(branch__path__startswith=mine1.path).values_list("pk", flat=True)
    )
    assert _visible("mine1_secretary") == _visible("mine1_organizer") == mine1_people
    assert 0 < len(mine1_people) < len(all_people)
    branch_people = set(branch.people.values_list("pk", flat=True))
    assert _visible("branch_secretary") == _visible("branch_committee") == branch_people
    assert _visible("group_leader") == set(group.group_people.values_list("pk", flat=True))
    member = User.objects.get(username="member")
    assert _visible("member") == {member.person_id}


def test_accounts_are_people_of_the_tree_holding_their_posts(seeded):
    def person(username):
        return Person.objects.get(pk=User.objects.get(username=username).person_id)

    assert person("branch_secretary").party_post == "党支部书记"
    assert person("group_leader").party_post == "党小组长"
    assert person("mine1_secretary").party_post == "党委书记"
    member = person("member")
    assert member.political_status == "full" and member.party_post == ""
    assert member.group_id == person("group_leader").group_id
    assert User.objects.get(username="member").display_name == member.name


def test_the_seed_leaves_one_summary_audit_row(seeded):
    """The register and the tree are the seed's own writes: one summary row. The demo
    branch's year of assessment is written through the services, as its accounts' work."""
    row = AuditEntry.objects.get(action="seed_demo")
    assert row.changes["members"] == N
    others = AuditEntry.objects.exclude(action="seed_demo")
    assert set(others.values_list("actor_name", flat=True)) <= {"branch_secretary", "branch_committee", ""}
    assert (
        not others.exclude(action__startswith="assessment.").exclude(action__startswith="appraisal.").exists()
    )


def test_the_demo_branch_has_a_year_of_assessment_to_show(seeded):
    from vanguard.appraisal.models import CycleResult, CycleState, GoalCard, Talk
    from vanguard.assessment.models import CloseState, MonthClose

    branch = User.objects.get(username="branch_secretary").posts.get().organization
    states = sorted(MonthClose.objects.filter(branch=branch).values_list("state", flat=True))
    assert states == [CloseState.ARCHIVED, CloseState.ARCHIVED, CloseState.PUBLISHED]
    assert GoalCard.objects.filter(branch=branch, state="confirmed").count() >= 10
    published = CycleResult.objects.filter(cycle__state=CycleState.PUBLISHED, branch=branch)
    assert published.count() == GoalCard.objects.filter(branch=branch).count()
    assert set(published.values_list("flag", flat=True)) >= {"red", "yellow"}
    assert Talk.objects.filter(branch=branch).count() == published.exclude(flag="red").count()


def test_if_empty_does_nothing_the_second_time(seeded):
    before = (Organization.objects.count(), Person.objects.count(), User.objects.count())
    out = StringIO()
    call_command("seed_demo", members=N, if_empty=True, stdout=out)
    assert (Organization.objects.count(), Person.objects.count(), User.objects.count()) == before
    assert "跳过" in out.getvalue()


def test_without_if_empty_a_second_seed_is_refused(seeded):
    with pytest.raises(CommandError):
        call_command("seed_demo", members=N, stdout=StringIO())


def test_the_same_seed_builds_the_same_group():
    def build(seed):
        rng = random.Random(seed)
        plan = plan_group(5000, rng)
        factory = PeopleFactory(rng, date(2026, 1, 1))
        return [b.name for b in plan.all_branches()], [
            (p.name, p.id_number) for p in factory.branch_people(plan.all_branches()[0])
        ]

    assert build(3) == build(3)
    assert build(3) != build(4)


@pytest.mark.parametrize(
    ("members", "mines"),
    [(300, 2), (10_000, 2), (20_000, 5), (100_000, 25)],
)
def test_mines_and_branches_scale_with_the_register(members, mines):
    plan = plan_group(members, random.Random(1))
    assert len(plan.mines) == mines
    sizes = [b.size for b in plan.all_branches()]
    assert sum(sizes) == members
    assert sum(sizes) / len(sizes) == pytest.approx(30, rel=0.35)


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (35, "三十五"), (101, "一百零一")]
)
def test_chinese_numerals(n, text):
    assert chinese_numeral(n) == text


@pytest.mark.parametrize("today", [date(2025, 12, 7), date(2026, 1, 10)])
def test_the_demo_seeds_in_december_and_january_across_the_year_end(db, today):
    """The demo branch's three closed months are counted back across the new year (a
    December seed once asked for month 13)."""
    from vanguard.assessment.models import MonthClose
    from vanguard.demo.services import seed_demo

    seed_demo(members=60, seed=3, today=today)
    months = sorted(MonthClose.objects.values_list("month", flat=True))
    first = date(today.year, today.month, 1)
    expected = {1: [date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)]}
    expected[12] = [date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1)]
    assert months == expected[first.month]
