"""Writes a planned demo group into the database.

This is a bulk loader, the one place that writes other contexts' tables directly: the
per-row services (`create_organization`, `create_person`) cost five queries and an
audit row each, which at 100,000 people is minutes of work and a flood of audit rows
for a data set nobody entered. Instead every row is checked with the same pure rules
the services use (`placement_problem`, `check_person`), written with `bulk_create`
in batches, and the whole seed leaves one audit row, "seed_demo"."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.db import transaction
from django.utils import timezone

from vanguard.accounts.models import Post, Role, User
from vanguard.admission.models import Dossier, Step
from vanguard.core import audit
from vanguard.core.errors import DomainError
from vanguard.demo.activity import seed_activity
from vanguard.demo.builder import GroupTreePlan, PeopleFactory, PersonDraft, plan_group
from vanguard.demo.dossiers import DossierFactory, PersonRow, order_for_dossiers
from vanguard.organizations.models import (
    Organization,
    OrgEvent,
    OrgEventKind,
    OrgKind,
    ProductionUnit,
    UnitKind,
)
from vanguard.organizations.rules import placement_problem
from vanguard.people import rules
from vanguard.people.models import Person, PersonEvent, PersonEventKind

DEMO_PASSWORD = "Vanguard@2026"
BATCH = 2000


@lru_cache(maxsize=200_000)
def _search_keys(name: str) -> tuple[str, str]:
    # pypinyin costs ~40 µs a name; names repeat a lot in a large register.
    return rules.search_keys(name)


@dataclass
class DemoAccount:
    username: str
    role_label: str
    where: str
    display_name: str


@dataclass
class SeedReport:
    mines: int = 0
    general_branches: int = 0
    branches: int = 0
    groups: int = 0
    units: int = 0
    people: int = 0
    seconds: float = 0.0
    accounts: list[DemoAccount] = field(default_factory=list)
    dossiers: int = 0
    steps: int = 0
    # dossier id → the finding codes planted in it (the audit must find exactly these)
    planted: dict[int, tuple[str, ...]] = field(default_factory=dict)


class _Tree:
    """The organisations as written: plan objects → saved rows."""

    def __init__(self):
        self.orgs: list[Organization] = []
        self.branch_org: dict[int, Organization] = {}  # id(BranchPlan) → branch
        self.group_orgs: dict[int, list[Organization]] = {}  # id(BranchPlan) → groups
        self.district: dict[int, ProductionUnit] = {}
        self.crews: dict[int, list[ProductionUnit | None]] = {}


def _organizations(plan: GroupTreePlan, rng: random.Random) -> tuple[_Tree, SeedReport]:
    """Level by level, so that each level knows its parents' ids and paths."""
    tree, report = _Tree(), SeedReport()

    def level(specs: list[tuple[str, str, Organization | None, int]]) -> list[Organization]:
        objs = []
        for name, kind, parent, order in specs:
            problem = placement_problem(kind, parent.kind if parent else None)
            if problem:
                raise DomainError(problem)
            founded = date(rng.randint(1985, 2012), rng.randint(1, 12), 1)
            objs.append(
                Organization(
                    name=name,
                    kind=kind,
                    parent=parent,
                    depth=parent.depth + 1 if parent else 0,
                    established_on=founded,
                    sort_order=order,
                )
            )
        Organization.objects.bulk_create(objs, batch_size=BATCH)
        for org in objs:
            org.path = f"{org.parent.path if org.parent else '/'}{org.pk}/"
        Organization.objects.bulk_update(objs, ["path"], batch_size=BATCH)
        tree.orgs += objs
        return objs

    [top] = level([(plan.name, OrgKind.COMMITTEE, None, 0)])
    mines = level([(m.name, OrgKind.COMMITTEE, top, i) for i, m in enumerate(plan.mines)])
    report.mines = len(mines)
    generals = level(
        [
            (g.name, OrgKind.GENERAL_BRANCH, mine, 1000 + i)
            for mine, m in zip(mines, plan.mines, strict=True)
            for i, g in enumerate(m.general_branches)
        ]
    )
    report.general_branches = len(generals)
    general_iter = iter(generals)
    branch_specs, branch_plans = [], []
    for mine, m in zip(mines, plan.mines, strict=True):
        for i, b in enumerate(m.branches):
            branch_specs.append((b.name, OrgKind.BRANCH, mine, i))
            branch_plans.append(b)
        for g in m.general_branches:
            parent = next(general_iter)
            for i, b in enumerate(g.branches):
                branch_specs.append((b.name, OrgKind.BRANCH, parent, i))
                branch_plans.append(b)
    branches = level(branch_specs)
    report.branches = len(branches)
    for b, org in zip(branch_plans, branches, strict=True):
        tree.branch_org[id(b)] = org
    group_specs = [
        (g.name, OrgKind.GROUP, tree.branch_org[id(b)], i)
        for b in branch_plans
        for i, g in enumerate(b.groups)
    ]
    groups = iter(level(group_specs))
    report.groups = len(group_specs)
    for b in branch_plans:
        tree.group_orgs[id(b)] = [next(groups) for _ in b.groups]

    OrgEvent.objects.bulk_create(
        [
            OrgEvent(organization=o, kind=OrgEventKind.CREATED, on=o.established_on, new_value=o.name)
            for o in tree.orgs
        ],
        batch_size=BATCH,
    )

    # Production units: the branch covers its work district, each group a crew of it.
    districts = []
    for b in branch_plans:
        if b.district:
            unit = ProductionUnit(
                name=b.district, kind=UnitKind.WORK_DISTRICT, organization=tree.branch_org[id(b)]
            )
            tree.district[id(b)] = unit
            districts.append(unit)
    ProductionUnit.objects.bulk_create(districts, batch_size=BATCH)
    crews = []
    for b in branch_plans:
        unit = tree.district.get(id(b))
        tree.crews[id(b)] = []
        for g, org in zip(b.groups, tree.group_orgs[id(b)], strict=True):
            crew = None
            if unit is not None and g.crew:
                crew = ProductionUnit(name=g.crew, kind=UnitKind.CREW, organization=org, parent=unit)
                crews.append(crew)
            tree.crews[id(b)].append(crew)
    ProductionUnit.objects.bulk_create(crews, batch_size=BATCH)
    report.units = len(districts) + len(crews)
    return tree, report


def _person(draft: PersonDraft, branch: Organization, group, district, crew) -> Person:
    values = dict(vars(draft))
    del values["group_index"]
    person = Person(**values, branch=branch, group=group, work_district=district, crew=crew)
    person.name_pinyin, person.name_initials = _search_keys(draft.name)
    return person


def _check(draft: PersonDraft, today: date) -> None:
    problems = rules.check_person(
        rules.PersonFacts(
            name=draft.name,
            gender=draft.gender,
            birth_date=draft.birth_date,
            id_number=draft.id_number,
            phone=draft.phone,
            political_status=draft.political_status,
            application_date=draft.application_date,
            join_date=draft.join_date,
            full_member_date=draft.full_member_date,
        ),
        today=today,
    )
    if problems:  # a bug in the builder, never the data's fault
        raise DomainError(problems)


def _people(
    plan: GroupTreePlan, tree: _Tree, factory: PeopleFactory, today: date, log
) -> dict[int, list[Person]]:
    """Writes everyone, batch by batch. Returns the people of the branches the demo
    accounts need (the first mine's), keyed by id(BranchPlan)."""
    keep = {id(b) for b in plan.mines[0].all_branches()}
    kept: dict[int, list[Person]] = {}
    pending: list[Person] = []
    written = 0
    total = sum(b.size for b in plan.all_branches())

    def flush():
        nonlocal written
        Person.objects.bulk_create(pending, batch_size=BATCH)
        PersonEvent.objects.bulk_create(
            [
                PersonEvent(
                    person=p,
                    kind=PersonEventKind.CREATED,
                    on=today,
                    to_branch_id=p.branch_id,
                    summary="建档（演示数据）",
                )
                for p in pending
            ],
            batch_size=BATCH,
        )
        written += len(pending)
        pending.clear()
        log(f"  人员 {written}/{total}")

    for b in plan.all_branches():
        branch = tree.branch_org[id(b)]
        groups, crews = tree.group_orgs[id(b)], tree.crews[id(b)]
        district = tree.district.get(id(b))
        people = []
        for draft in factory.branch_people(b):
            _check(draft, today)
            i = draft.group_index
            people.append(
                _person(
                    draft,
                    branch,
                    groups[i] if i is not None else None,
                    district,
                    crews[i] if i is not None else None,
                )
            )
        pending += people
        if id(b) in keep:
            kept[id(b)] = people
        if len(pending) >= BATCH * 2:
            flush()
    if pending:
        flush()
    return kept


def _accounts(
    plan: GroupTreePlan, tree: _Tree, kept: dict[int, list[Person]], rng, factory
) -> list[DemoAccount]:
    mine_plan = plan.mines[0]
    mine = tree.branch_org[id(mine_plan.branches[0])].parent
    top = mine.parent
    office_plan = mine_plan.general_branches[0].branches[0]
    branch_plan = mine_plan.branches[0]
    branch = tree.branch_org[id(branch_plan)]
    group = tree.group_orgs[id(branch_plan)][0]

    def holder(people: list[Person], post: str, **extra) -> Person | None:
        for p in people:
            if p.party_post == post and all(getattr(p, k) == v for k, v in extra.items()):
                return p
        return None

    branch_people = kept[id(branch_plan)]
    plain = next(
        (
            p
            for p in branch_people
            if p.group_id == group.pk and p.political_status == "full" and not p.party_post
        ),
        None,
    )
    wanted = [
        ("orgdept", Role.ORG_DEPARTMENT, top, None),
        ("mine1_secretary", Role.COMMITTEE_SECRETARY, mine, holder(kept[id(office_plan)], "党委书记")),
        ("mine1_organizer", Role.COMMITTEE_ORGANIZER, mine, holder(kept[id(office_plan)], "党委组织委员")),
        ("branch_secretary", Role.BRANCH_SECRETARY, branch, holder(branch_people, "党支部书记")),
        (
            "branch_committee",
            Role.BRANCH_COMMITTEE_MEMBER,
            branch,
            holder(branch_people, "组织委员") or holder(branch_people, "宣传委员"),
        ),
        ("group_leader", Role.GROUP_LEADER, group, holder(branch_people, "党小组长", group_id=group.pk)),
        ("member", None, None, plain),
    ]
    accounts = []
    for username, role, org, person in wanted:
        if person is None and role is None:
            raise DomainError("演示数据：第一个党小组没有普通正式党员，请增大 --members")
        display = person.name if person else factory.name("female", "汉族")
        user = User.objects.create_user(
            username=username,
            password=DEMO_PASSWORD,
            display_name=display,
            person_id=person.pk if person else None,
        )
        if role:
            Post.objects.create(user=user, role=role, organization=org, started_on=date(2021, 1, 1))
        accounts.append(
            DemoAccount(
                username=username,
                role_label=Role(role).label if role else "党员",
                where=(org.name if org else group.name),
                display_name=display,
            )
        )
    return accounts


def _dossiers(report: SeedReport, *, seed: int, today: date, wanted: int | None, log) -> None:
    """Admission dossiers and their steps (vanguard.demo.dossiers), written in batches.
    The people are read back as plain values; a separate random stream keeps the
    people of a seed the same whether or not dossiers are asked for."""
    people = [
        PersonRow(*row)
        for row in Person.objects.order_by("id").values_list(
            "id",
            "birth_date",
            "political_status",
            "application_date",
            "join_date",
            "full_member_date",
            "branch_id",
        )
    ]
    own, workers = order_for_dossiers(people, today, wanted)
    if wanted is not None and len(own) + len(workers) < wanted:
        raise DomainError(
            f"档案数：{len(people)} 人至多生成 {len(own) + len(workers)} 份发展党员档案，少于 {wanted}"
        )
    full_by_branch: dict[int, list[tuple[int, str]]] = {}
    everyone_full: list[tuple[int, str]] = []
    for pk, name, branch_id in Person.objects.filter(political_status="full").values_list(
        "id", "name", "branch_id"
    ):
        full_by_branch.setdefault(branch_id, []).append((pk, name))
        everyone_full.append((pk, name))

    def members(branch_id):
        pool = full_by_branch.get(branch_id, [])
        return pool if len(pool) >= 3 else everyone_full[:50]

    factory = DossierFactory(random.Random(seed * 7919 + 17), today, members)
    plans = [factory.for_person(p) for p in own] + [factory.stopped(p) for p in workers]
    plans = [p for p in plans if p is not None]
    for start in range(0, len(plans), BATCH):
        chunk = plans[start : start + BATCH]
        dossiers = [
            Dossier(
                person_id=d.person_id,
                stage=d.stage,
                stage_since=d.stage_since,
                opened_on=d.opened_on,
                closed_on=d.closed_on,
            )
            for d in chunk
        ]
        Dossier.objects.bulk_create(dossiers, batch_size=BATCH)
        steps = [
            Step(
                dossier_id=dossier.pk,
                kind=s.kind,
                on=s.on,
                data=s.data,
                meeting=s.meeting,
                decided_by=s.decided_by,
                note="演示数据",
            )
            for d, dossier in zip(chunk, dossiers, strict=True)
            for s in d.steps
        ]
        Step.objects.bulk_create(steps, batch_size=BATCH)
        report.steps += len(steps)
        for d, dossier in zip(chunk, dossiers, strict=True):
            if d.planted:
                report.planted[dossier.pk] = d.planted
        log(f"  发展党员档案 {min(start + BATCH, len(plans))}/{len(plans)}")
    report.dossiers = len(plans)


def seed_demo(
    *,
    members: int,
    seed: int = 2026,
    today: date | None = None,
    log=lambda _msg: None,
    dossiers: int | None = None,
) -> SeedReport:
    """Builds the demo group with `members` people (everyone the register holds) in one
    transaction, with admission dossiers for the pipeline, the probationary members and
    the members who joined in recent years — or exactly `dossiers` of them (older
    members, then workers whose cultivation was stopped, make up the number). Refuses
    when any organisation exists."""
    if members < 60:
        raise DomainError("人数：演示集团至少需要 60 人（两座矿，每矿至少两个党支部）")
    if dossiers is not None and not 0 <= dossiers <= members:
        raise DomainError(f"档案数：应在 0 至人数 {members} 之间")
    if Organization.objects.exists():
        raise DomainError("数据库中已有党组织；演示数据只能建在空库上")
    started = time.perf_counter()
    today = today or timezone.localdate()
    rng = random.Random(seed)
    plan = plan_group(members, rng)
    with transaction.atomic():
        tree, report = _organizations(plan, rng)
        log(f"  组织 {len(tree.orgs)} 个，区队/班组 {report.units} 个")
        factory = PeopleFactory(rng, today)
        kept = _people(plan, tree, factory, today, log)
        report.people = members
        report.accounts = _accounts(plan, tree, kept, rng, factory)
        _dossiers(report, seed=seed, today=today, wanted=dossiers, log=log)
        demo_branch = Post.objects.get(user__username="branch_secretary").organization
        seed_activity(branch=demo_branch, today=today, seed=seed)
        log(f"  {demo_branch.name}：月度考评、目标卡、上年度量化考核与挂旗")
        report.seconds = round(time.perf_counter() - started, 1)
        audit.record(
            actor="manage.py seed_demo",
            action="seed_demo",
            summary=f"生成演示数据：{report.mines} 个矿党委、{report.branches} 个党支部、{members} 人",
            changes={
                "members": members,
                "seed": seed,
                "mines": report.mines,
                "general_branches": report.general_branches,
                "branches": report.branches,
                "groups": report.groups,
                "units": report.units,
                "accounts": [a.username for a in report.accounts],
                "dossiers": report.dossiers,
                "planted_violations": len(report.planted),
            },
        )
    return report
