"""Creating, renaming, moving, merging and dissolving organisations, with history."""

from datetime import date

import pytest
from django.urls import reverse

from vanguard.accounts.models import Role
from vanguard.core.errors import DomainError
from vanguard.core.models import AuditEntry
from vanguard.organizations import selectors, services
from vanguard.organizations.models import Organization, OrgEvent
from vanguard.people.models import Person, PersonEvent

pytestmark = pytest.mark.django_db


def test_create_keeps_the_materialised_path(tree):
    assert tree.group1.path == f"/{tree.enterprise.pk}/{tree.mine1.pk}/{tree.branch1.pk}/{tree.group1.pk}/"
    assert tree.group1.depth == 3


@pytest.mark.parametrize(
    ("kind", "parent_attr", "message"),
    [
        ("group", "mine1", "党小组不能设在党委之下"),
        ("branch", "group1", "党支部不能设在党小组之下"),
        ("general_branch", None, "党总支不能设在最顶层"),
    ],
)
def test_placement_rules(tree, kind, parent_attr, message):
    parent = getattr(tree, parent_attr) if parent_attr else None
    with pytest.raises(DomainError) as exc:
        services.create_organization(name="新组织", kind=kind, parent=parent, acting_user=None)
    assert message in str(exc.value)


def test_names_are_unique_among_active_siblings(tree):
    with pytest.raises(DomainError, match="已有名为“第一党小组”"):
        services.create_organization(name="第一党小组", kind="group", parent=tree.branch1, acting_user=None)


def test_rename_keeps_history(tree, users):
    services.rename_organization(
        organization=tree.branch1, name="综采一区党支部", acting_user=users[Role.ORG_DEPARTMENT]
    )
    event = OrgEvent.objects.get(organization=tree.branch1, kind="renamed")
    assert (event.old_value, event.new_value) == ("综采一队党支部", "综采一区党支部")
    assert AuditEntry.objects.filter(action="org.rename", object_id=str(tree.branch1.pk)).exists()


def test_move_rewrites_the_whole_subtree(tree):
    services.move_organization(organization=tree.branch1, new_parent=tree.general, acting_user=None)
    tree.group1.refresh_from_db()
    assert tree.group1.path.startswith(tree.general.path)
    assert tree.group1.depth == 4
    assert selectors.ancestors_of(tree.group1)[-1].name == "综采一队党支部"


def test_move_under_own_descendant_is_refused(tree):
    with pytest.raises(DomainError, match="不能把组织移到它自己或它的下级之下"):
        services.move_organization(organization=tree.mine1, new_parent=tree.mine1, acting_user=None)


def test_merge_moves_people_and_groups_and_keeps_the_source_findable(tree, make_person):
    person = make_person(tree.branch2, name="孙掘进", group=tree.group3)
    services.merge_organization(
        source=tree.branch2, target=tree.branch1, on=date(2026, 1, 1), acting_user=None
    )
    tree.branch2.refresh_from_db()
    tree.group3.refresh_from_db()
    person.refresh_from_db()
    assert tree.branch2.status == "merged" and tree.branch2.merged_into == tree.branch1
    assert person.branch == tree.branch1 and person.group == tree.group3
    assert tree.group3.parent == tree.branch1
    event = PersonEvent.objects.get(person=person, kind="transferred")
    assert event.from_branch == tree.branch2
    # The merged branch and its history stay findable.
    assert Organization.objects.filter(pk=tree.branch2.pk).exists()
    assert OrgEvent.objects.filter(organization=tree.branch2, kind="merged").exists()


def test_merge_of_different_kinds_is_refused(tree):
    with pytest.raises(DomainError, match="只能合并同类组织"):
        services.merge_organization(source=tree.group1, target=tree.branch2, acting_user=None)


def test_dissolve_is_refused_while_people_remain(tree, make_person):
    make_person(tree.branch2, name="孙掘进", group=None)
    services.dissolve_organization(organization=tree.group3, acting_user=None)
    with pytest.raises(DomainError, match="还有 1 名在册人员"):
        services.dissolve_organization(organization=tree.branch2, acting_user=None)


def test_dissolved_branch_keeps_its_archived_members_findable(tree, make_person, users, client):
    from vanguard.people.services import archive_person

    make_person(tree.branch2, name="孙掘进")
    for p in Person.objects.filter(branch=tree.branch2):  # 孙掘进 and 王外人 (users fixture)
        archive_person(person=p, reason="left_company", acting_user=None)
    services.dissolve_organization(organization=tree.group3, acting_user=None)
    services.dissolve_organization(organization=tree.branch2, note="矿井关闭", acting_user=None)
    client.force_login(users[Role.ORG_DEPARTMENT])
    response = client.get(reverse("people:list"), {"branch": tree.branch2.pk, "archived": "1"})
    assert "孙掘进" in [p.name for p in response.context["page"]]
    with pytest.raises(DomainError, match="已撤销"):
        services.rename_organization(organization=tree.branch2, name="x", acting_user=None)


def test_a_committee_cannot_manage_outside_its_subtree(tree, users):
    with pytest.raises(DomainError, match="超出您的管理范围"):
        services.rename_organization(
            organization=tree.branch2, name="x", acting_user=users[Role.COMMITTEE_SECRETARY]
        )


def test_a_branch_secretary_manages_only_the_groups_of_the_branch(tree, users):
    secretary = users[Role.BRANCH_SECRETARY]
    group = services.create_organization(
        name="第三党小组", kind="group", parent=tree.branch1, acting_user=secretary
    )
    assert group.parent == tree.branch1
    with pytest.raises(DomainError):
        services.rename_organization(organization=tree.branch1, name="x", acting_user=secretary)


def test_resolve_by_bare_name_and_by_path(tree):
    assert selectors.resolve_by_name("综采一队党支部")[0] == tree.branch1
    services.create_organization(name="综采一队党支部", kind="branch", parent=tree.mine2, acting_user=None)
    org, reason = selectors.resolve_by_name("综采一队党支部")
    assert org is None and "请写明上级" in reason
    assert selectors.resolve_by_name("一矿党委/综采一队党支部")[0] == tree.branch1
    assert (
        selectors.resolve_by_name("一矿党委/机关第一党支部")[0] == tree.office_branch
    )  # skips the general branch


class TestPages:
    def test_org_department_sees_the_whole_tree_with_units(self, tree, users, client):
        client.force_login(users[Role.ORG_DEPARTMENT])
        page = client.get(reverse("organizations:tree")).content.decode()
        for name in (
            "集团党委",
            "一矿党委",
            "机关党总支",
            "综采一队党支部",
            "第一党小组",
            "掘进党小组",
            "综采一队",
            "综采一班",
        ):
            assert name in page

    def test_committee_sees_only_its_subtree(self, tree, users, client):
        client.force_login(users[Role.COMMITTEE_SECRETARY])
        nodes = client.get(reverse("organizations:tree")).context["nodes"]
        assert {n.name for n in nodes} == {
            "一矿党委",
            "综采一队党支部",
            "第一党小组",
            "第二党小组",
            "机关党总支",
            "机关第一党支部",
        }

    def test_create_rename_move_merge_dissolve_through_the_pages(self, tree, users, client):
        client.force_login(users[Role.ORG_DEPARTMENT])
        client.post(
            reverse("organizations:create_child", args=[tree.mine1.pk]),
            {"name": "掘进一队党支部", "kind": "branch"},
        )
        new = Organization.objects.get(name="掘进一队党支部")
        client.post(reverse("organizations:rename", args=[new.pk]), {"name": "掘进三队党支部"})
        client.post(reverse("organizations:move", args=[new.pk]), {"new_parent": tree.mine2.pk})
        client.post(reverse("organizations:merge", args=[new.pk]), {"target": tree.branch2.pk})
        new.refresh_from_db()
        assert (new.name, new.parent, new.status, new.merged_into) == (
            "掘进三队党支部",
            tree.mine2,
            "merged",
            tree.branch2,
        )
        client.post(reverse("organizations:dissolve", args=[tree.group2.pk]), {"note": "班组调整"})
        tree.group2.refresh_from_db()
        assert tree.group2.status == "dissolved"
        history = client.get(reverse("organizations:detail", args=[new.pk])).content.decode()
        for word in ("成立", "更名", "调整隶属关系", "合并"):
            assert word in history

    def test_a_refused_action_shows_why(self, tree, users, client, make_person):
        make_person(tree.branch2, name="孙掘进")
        client.force_login(users[Role.ORG_DEPARTMENT])
        response = client.post(reverse("organizations:dissolve", args=[tree.branch2.pk]), follow=True)
        assert "请先撤销或合并" in response.content.decode() or "在册人员" in response.content.decode()
        assert Person.objects.get(name="孙掘进").branch.status == "active"
