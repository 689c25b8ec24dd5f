"""Fixtures shared by every test: a small organisation tree, one user per role, and a
builder for valid people. The tree:

    集团党委 (enterprise committee)
    ├── 一矿党委
    │   ├── 综采一队党支部 ── 第一党小组, 第二党小组     (covers 区队 综采一队, 班组 综采一班)
    │   └── 机关党总支 ── 机关第一党支部
    └── 二矿党委
        └── 掘进二队党支部 ── 掘进党小组
"""

from datetime import date

import pytest

from vanguard.accounts.models import Post, Role, User
from vanguard.organizations import services as org_services
from vanguard.organizations.models import UnitKind
from vanguard.people import rules
from vanguard.people.services import PersonData, create_person

PASSWORD = "Vanguard@2026"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Argon2 is the production hasher (settings.PASSWORD_HASHERS); tests that check
    # hashing itself restore it. MD5 keeps the suite fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # Cached answers are keyed by ids, which a rolled-back test may hand out again.
    from django.core.cache import cache

    cache.clear()


class Tree:
    pass


@pytest.fixture
def tree(db):
    t = Tree()
    c = org_services.create_organization
    t.enterprise = c(
        name="集团党委",
        kind="committee",
        parent=None,
        acting_user=None,
        established_on=date(2000, 1, 1),
    )
    t.mine1 = c(
        name="一矿党委",
        kind="committee",
        parent=t.enterprise,
        acting_user=None,
        established_on=date(2000, 1, 1),
    )
    t.mine2 = c(
        name="二矿党委",
        kind="committee",
        parent=t.enterprise,
        acting_user=None,
        established_on=date(2000, 1, 1),
    )
    t.branch1 = c(
        name="综采一队党支部",
        kind="branch",
        parent=t.mine1,
        acting_user=None,
        established_on=date(2000, 1, 1),
    )
    t.group1 = c(
        name="第一党小组",
        kind="group",
        parent=t.branch1,
        acting_user=None,
        established_on=date(2000, 1, 1),
    )
    t.group2 = c(
        name="第二党小组",
        kind="group",
        parent=t.branch1,
        acting_user=None,
        established_on=date(2000, 1, 1),
    )
    t.general = c(
        name="机关党总支",
        kind="general_branch",
        parent=t.mine1,
        acting_user=None,
        established_on=date(2000, 1, 1),
    )
    t.office_branch = c(
        name="机关第一党支部",
        kind="branch",
        parent=t.general,
        acting_user=None,
        established_on=date(2000, 1, 1),
    )
    t.branch2 = c(
        name="掘进二队党支部",
        kind="branch",
        parent=t.mine2,
        acting_user=None,
        established_on=date(2000, 1, 1),
    )
    t.group3 = c(
        name="掘进党小组",
        kind="group",
        parent=t.branch2,
        acting_user=None,
        established_on=date(2000, 1, 1),
    )
    t.district1 = org_services.create_unit(
        name="综采一队", kind=UnitKind.WORK_DISTRICT, organization=t.branch1, acting_user=None
    )
    t.crew1 = org_services.create_unit(
        name="综采一班",
        kind=UnitKind.CREW,
        organization=t.group1,
        parent=t.district1,
        acting_user=None,
    )
    return t


_seq = iter(range(1, 10**6))


def person_data(branch, **overrides) -> PersonData:
    """Valid data for a full member born 1985, unless overridden."""
    n = next(_seq)
    gender = overrides.pop("gender", "male")
    birth = overrides.pop("birth_date", date(1985, 3, 1 + n % 27))
    seq = (n * 2 + 1) if gender == "male" else (n * 2)
    defaults = dict(
        name=overrides.pop("name", "张三"),
        gender=gender,
        birth_date=birth,
        id_number=rules.compose_id_number("140105", birth, seq),
        phone=f"139{n:08d}",
        political_status="full",
        application_date=date(2008, 5, 4),
        join_date=date(2010, 7, 1),
        full_member_date=date(2011, 7, 1),
        branch=branch,
        education="bachelor",
    )
    defaults.update(overrides)
    return PersonData(**defaults)


@pytest.fixture
def make_person(db):
    def make(branch, **overrides):
        return create_person(data=person_data(branch, **overrides), acting_user=None)

    return make


@pytest.fixture
def users(tree, make_person):
    """One user per role, keyed by role name, plus 'member' (a plain member of
    综采一队党支部 / 第一党小组) and 'outsider_member' (in 二矿)."""

    def user(username, role=None, org=None, person=None):
        u = User.objects.create_user(
            username=username,
            password=PASSWORD,
            display_name=username,
            person_id=person.pk if person else None,
        )
        if role:
            Post.objects.create(user=u, role=role, organization=org)
        return u

    member = make_person(tree.branch1, name="李党员", group=tree.group1)
    outsider = make_person(tree.branch2, name="王外人", group=tree.group3)
    return {
        Role.ORG_DEPARTMENT: user("orgdept", Role.ORG_DEPARTMENT, tree.enterprise),
        Role.COMMITTEE_SECRETARY: user("mine1_secretary", Role.COMMITTEE_SECRETARY, tree.mine1),
        Role.COMMITTEE_ORGANIZER: user("mine1_organizer", Role.COMMITTEE_ORGANIZER, tree.mine1),
        Role.BRANCH_SECRETARY: user("branch1_secretary", Role.BRANCH_SECRETARY, tree.branch1),
        Role.BRANCH_COMMITTEE_MEMBER: user("branch1_committee", Role.BRANCH_COMMITTEE_MEMBER, tree.branch1),
        Role.GROUP_LEADER: user("group1_leader", Role.GROUP_LEADER, tree.group1),
        "member": user("member1", person=member),
        "outsider_member": user("member2", person=outsider),
    }


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client

    return do
