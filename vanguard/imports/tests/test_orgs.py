"""The organisation-tree import."""

import pytest

from vanguard.accounts.models import Role
from vanguard.imports.services import import_orgs
from vanguard.imports.tests.xlsx import build
from vanguard.organizations.models import Organization, OrgEvent

pytestmark = pytest.mark.django_db
HEADER = ["组织名称", "上级组织", "组织类型"]


def sheet(rows, header=HEADER):
    return build(rows, header=header, titles=("三矿组织结构",))


def test_children_may_come_before_their_parents_and_reimport_creates_nothing(tree):
    rows = [
        ["采煤一队党支部", "三矿党委", "党支部"],  # row 3: its parent comes later
        ["第一党小组", "三矿党委/采煤一队党支部", "党小组"],  # a path: 第一党小组 exists elsewhere too
        ["三矿党委", "集团党委", "党委"],  # an existing parent in the system
    ]
    report = import_orgs(sheet(rows), dry_run=False, acting_user=None)

    assert report.as_dict() == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    mine3 = Organization.objects.get(name="三矿党委")
    branch = Organization.objects.get(name="采煤一队党支部")
    group = Organization.objects.get(name="第一党小组", parent=branch)
    assert (mine3.parent, branch.parent, group.kind) == (tree.enterprise, mine3, "group")
    assert group.path == f"{tree.enterprise.path}{mine3.pk}/{branch.pk}/{group.pk}/"
    assert OrgEvent.objects.filter(organization=group).count() == 1

    again = import_orgs(sheet(rows), dry_run=False, acting_user=None)
    assert again.as_dict() == {"created": 0, "updated": 0, "unchanged": 3, "errors": []}
    assert Organization.objects.filter(name="采煤一队党支部").count() == 1


def test_problems_are_reported_per_row_and_nothing_is_created(tree):
    rows = [
        ["四矿党委", "集团党委", "党委"],  # row 3: fine on its own
        ["四矿党支部", "不存在的党委", "党支部"],  # row 4: unknown parent
        ["四矿党小组", "四矿党委", "党小组"],  # row 5: a group cannot sit under a committee
        ["四矿某组织", "四矿党委", "工会"],  # row 6: not a kind
        ["四矿党委", "集团党委", "党委"],  # row 7: the same as row 3
    ]
    report = import_orgs(sheet(rows), dry_run=False, acting_user=None)
    got = {(e.row, e.column): e.message for e in report.errors}
    assert "不存在的党委" in got[(4, "上级组织")]
    assert "党小组不能设在党委之下" in got[(5, "上级组织")]
    assert "应为 党委、党总支、党支部 或 党小组" in got[(6, "组织类型")]
    assert "与第 3 行重复" in got[(7, "组织名称")]
    assert report.created == 0
    assert not Organization.objects.filter(name__startswith="四矿").exists()


def test_dry_run_creates_nothing(tree):
    report = import_orgs(sheet([["五矿党委", "集团党委", "党委"]]), dry_run=True, acting_user=None)
    assert report.as_dict()["created"] == 1
    assert not Organization.objects.filter(name="五矿党委").exists()


def test_a_committee_imports_only_under_its_own_subtree(tree, users):
    secretary = users[Role.COMMITTEE_SECRETARY]  # 一矿党委
    rows = [
        ["新建党支部", "一矿党委", "党支部"],
        ["他矿党支部", "二矿党委", "党支部"],
        ["六矿党委", "", "党委"],
    ]
    report = import_orgs(sheet(rows), dry_run=False, acting_user=secretary)
    got = {e.row: e.message for e in report.errors}
    assert set(got) == {4, 5}
    assert "超出您的管理范围" in got[4] and "只有党委组织部可以建立最顶层组织" in got[5]
    assert not Organization.objects.filter(name="新建党支部").exists()


def test_the_org_department_may_create_top_level_organisations(tree, users):
    report = import_orgs(
        sheet([["六矿党委", "", "党委"]]), dry_run=False, acting_user=users[Role.ORG_DEPARTMENT]
    )
    assert report.as_dict()["errors"] == []
    assert Organization.objects.get(name="六矿党委").parent is None


def test_a_branch_secretary_may_not_import_organisations(tree, users):
    report = import_orgs(
        sheet([["新组", "综采一队党支部", "党小组"]]), dry_run=False, acting_user=users[Role.BRANCH_SECRETARY]
    )
    assert report.errors and "无权导入组织" in report.errors[0].message
