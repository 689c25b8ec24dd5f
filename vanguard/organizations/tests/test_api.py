"""/api/orgs: the tree, scoped, changed through the services (issue 2.7)."""

import json

import pytest

from vanguard.accounts import tokens
from vanguard.accounts.models import Role
from vanguard.core.models import AuditEntry
from vanguard.organizations.models import Organization, OrgEventKind, OrgStatus
from vanguard.people.models import Person


@pytest.fixture
def as_role(client, users):
    def make(role):
        raw, _ = tokens.issue(user=users[role])
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

        class Caller:
            def get(self, url):
                return client.get(url, **auth)

            def post(self, url, body):
                return client.post(url, json.dumps(body), content_type="application/json", **auth)

        return Caller()

    return make


def names(response):
    return [o["name"] for o in response.json()["items"]]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ORG_DEPARTMENT, 10),
        (Role.COMMITTEE_SECRETARY, 6),
        (Role.BRANCH_SECRETARY, 3),
        (Role.GROUP_LEADER, 1),
    ],
)
def test_list_shows_the_scope(as_role, role, expected):
    assert as_role(role).get("/api/orgs").json()["count"] == expected


def test_list_filters_by_kind_and_parent(as_role, tree):
    caller = as_role(Role.ORG_DEPARTMENT)

    assert names(caller.get("/api/orgs?kind=branch")) == [
        "综采一队党支部",
        "机关第一党支部",
        "掘进二队党支部",
    ]
    assert names(caller.get(f"/api/orgs?parent={tree.branch1.pk}")) == ["第一党小组", "第二党小组"]


def test_closed_organisations_are_listed_only_on_request(as_role, tree):
    caller = as_role(Role.BRANCH_SECRETARY)
    caller.post(f"/api/orgs/{tree.group2.pk}/dissolve", {"note": "人员已并入第一党小组"})

    assert "第二党小组" not in names(caller.get("/api/orgs"))
    assert "第二党小组" in names(caller.get("/api/orgs?include_closed=true"))


def test_detail_has_visible_ancestors_children_and_units(as_role, tree):
    body = as_role(Role.COMMITTEE_SECRETARY).get(f"/api/orgs/{tree.branch1.pk}").json()

    # 集团党委 lies above the secretary's post: not theirs to see.
    assert [a["name"] for a in body["ancestors"]] == ["一矿党委"]
    assert [c["name"] for c in body["children"]] == ["第一党小组", "第二党小组"]
    assert [u["name"] for u in body["units"]] == ["综采一队"]


def test_detail_outside_the_scope_is_404_like_a_missing_one(as_role, tree):
    caller = as_role(Role.COMMITTEE_SECRETARY)

    outside = caller.get(f"/api/orgs/{tree.branch2.pk}")
    missing = caller.get("/api/orgs/999999")

    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


def test_create_writes_history_and_audit(as_role, tree):
    response = as_role(Role.BRANCH_SECRETARY).post(
        "/api/orgs", {"name": "第三党小组", "kind": "group", "parent_id": tree.branch1.pk}
    )

    assert response.status_code == 201
    org = Organization.objects.get(pk=response.json()["id"])
    assert (org.parent_id, org.kind) == (tree.branch1.pk, "group")
    assert org.events.filter(kind=OrgEventKind.CREATED).exists()
    assert AuditEntry.objects.filter(action="org.create", object_id=str(org.pk)).exists()


def test_create_under_a_wrong_kind_of_parent_is_422_with_the_rule(as_role, tree):
    response = as_role(Role.ORG_DEPARTMENT).post(
        "/api/orgs", {"name": "直属党小组", "kind": "group", "parent_id": tree.mine1.pk}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "parent_id",
            "message": "上级组织：党小组不能设在党委之下（只能设在：党支部）",
            "code": "placement",
        }
    ]


def test_only_the_organisation_department_creates_top_level_organisations(as_role):
    response = as_role(Role.COMMITTEE_SECRETARY).post("/api/orgs", {"name": "三矿党委", "kind": "committee"})

    assert response.status_code == 403
    assert not Organization.objects.filter(name="三矿党委").exists()


def test_a_branch_secretary_cannot_rename_the_branch_itself(as_role, tree):
    response = as_role(Role.BRANCH_SECRETARY).post(f"/api/orgs/{tree.branch1.pk}/rename", {"name": "新名字"})

    assert response.status_code == 403
    assert Organization.objects.get(pk=tree.branch1.pk).name == "综采一队党支部"


def test_rename_keeps_the_old_name_in_history(as_role, tree):
    response = as_role(Role.COMMITTEE_ORGANIZER).post(
        f"/api/orgs/{tree.branch1.pk}/rename", {"name": "综采一区党支部", "on": "2025-03-01"}
    )

    assert response.json()["name"] == "综采一区党支部"
    event = tree.branch1.events.get(kind=OrgEventKind.RENAMED)
    assert (event.old_value, str(event.on)) == ("综采一队党支部", "2025-03-01")


def test_duplicate_name_is_422(as_role, tree):
    response = as_role(Role.BRANCH_SECRETARY).post(
        f"/api/orgs/{tree.group2.pk}/rename", {"name": "第一党小组"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "duplicate"
    assert response.json()["errors"][0]["field"] == "name"


def test_move_rewrites_the_subtree(as_role, tree):
    response = as_role(Role.COMMITTEE_SECRETARY).post(
        f"/api/orgs/{tree.branch1.pk}/move", {"parent_id": tree.general.pk}
    )

    assert response.status_code == 200
    assert Organization.objects.get(pk=tree.group1.pk).path.startswith(tree.general.path)


def test_move_into_another_mine_is_refused_for_a_mine_secretary(as_role, tree):
    response = as_role(Role.COMMITTEE_SECRETARY).post(
        f"/api/orgs/{tree.branch1.pk}/move", {"parent_id": tree.mine2.pk}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "parent_id",
        "message": "上级组织：不存在或无权查看",
        "code": "not_found",
    }
    assert Organization.objects.get(pk=tree.branch1.pk).parent_id == tree.mine1.pk


def test_merge_moves_the_people_and_closes_the_source(as_role, tree, make_person):
    someone = make_person(tree.branch1, group=tree.group2)

    response = as_role(Role.BRANCH_SECRETARY).post(
        f"/api/orgs/{tree.group2.pk}/merge", {"target_id": tree.group1.pk}
    )

    assert response.status_code == 200
    assert response.json()["id"] == tree.group1.pk
    assert Organization.objects.get(pk=tree.group2.pk).status == OrgStatus.MERGED
    assert Person.objects.get(pk=someone.pk).group_id == tree.group1.pk


def test_dissolve_with_members_is_refused(as_role, tree):
    response = as_role(Role.BRANCH_SECRETARY).post(f"/api/orgs/{tree.group1.pk}/dissolve", {})

    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "has_people"
    assert Organization.objects.get(pk=tree.group1.pk).status == OrgStatus.ACTIVE


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"kind": "group"}, "name", "组织名称：不能为空"),
        ({"name": "", "kind": "group"}, "name", "组织名称：不能为空"),
        ({"name": "x" * 101, "kind": "group"}, "name", "组织名称：不能超过 100 个字"),
        ({"name": "第三党小组", "kind": "team"}, "kind", None),
        (
            {"name": "第三党小组", "kind": "group", "established_on": "2025-13-01"},
            "established_on",
            "成立日期：应为 YYYY-MM-DD 格式的日期",
        ),
        ({"name": "第三党小组", "kind": "group", "parent_id": 0}, "parent_id", "上级组织：不能小于 1"),
    ],
)
def test_bad_input_is_422_naming_the_field(as_role, tree, body, field, message):
    response = as_role(Role.ORG_DEPARTMENT).post("/api/orgs", {"parent_id": tree.branch1.pk, **body})

    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    if message is None:  # an enum: the message lists the kinds with their Chinese names
        assert errors[field].startswith("组织类型：应为以下之一：")
        assert "group（党小组）" in errors[field]
    else:
        assert errors[field] == message
