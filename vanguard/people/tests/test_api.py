"""/api/people: scoped, masked, audited; bad input answered 422 in Chinese (issue 2.7)."""

import json

import pytest

from vanguard.accounts import tokens
from vanguard.accounts.models import Role
from vanguard.core.models import AuditEntry
from vanguard.people.models import Person, PersonEventKind, RecordStatus


@pytest.fixture
def as_role(client, users):
    """A client calling the API with a bearer token of the given role."""

    def make(role):
        raw, _ = tokens.issue(user=users[role])

        class Caller:
            def get(self, url, **kw):
                return client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}", **kw)

            def send(self, method, url, body):
                return client.generic(
                    method,
                    url,
                    data=body if isinstance(body, str) else json.dumps(body),
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {raw}",
                )

        return Caller()

    return make


@pytest.fixture
def li(users):
    return Person.objects.get(name="李党员")


@pytest.fixture
def wang(users):
    return Person.objects.get(name="王外人")


# --- reading --------------------------------------------------------------------------------
def test_list_masks_id_and_phone(as_role, li):
    item = as_role(Role.BRANCH_SECRETARY).get("/api/people").json()["items"][0]

    assert item["id_number_masked"] == li.id_number[:6] + "********" + li.id_number[-4:]
    assert item["phone_masked"] == li.phone[:3] + "****" + li.phone[-4:]
    assert li.id_number not in str(item) and li.phone not in str(item)


def test_detail_masks_id_and_phone(as_role, li):
    body = as_role(Role.ORG_DEPARTMENT).get(f"/api/people/{li.pk}").content.decode()

    assert li.id_number not in body
    assert li.phone not in body


@pytest.mark.parametrize(
    ("role", "names"),
    [
        (Role.ORG_DEPARTMENT, ["李党员", "王外人"]),
        (Role.COMMITTEE_SECRETARY, ["李党员"]),
        (Role.GROUP_LEADER, ["李党员"]),
        ("member", ["李党员"]),
        ("outsider_member", ["王外人"]),
    ],
)
def test_list_shows_only_the_scope(as_role, role, names):
    response = as_role(role).get("/api/people")

    assert sorted(p["name"] for p in response.json()["items"]) == sorted(names)
    assert response.json()["count"] == len(names)


def test_search_by_pinyin_initials_and_filter_by_status(as_role, make_person, tree):
    make_person(tree.branch1, name="张三", political_status="worker", join_date=None, full_member_date=None)
    caller = as_role(Role.BRANCH_SECRETARY)

    assert [p["name"] for p in caller.get("/api/people?q=zs").json()["items"]] == ["张三"]
    assert [p["name"] for p in caller.get("/api/people?political_status=full").json()["items"]] == ["李党员"]


def test_list_is_paginated(as_role, make_person, tree):
    for _ in range(7):
        make_person(tree.branch1)

    body = as_role(Role.BRANCH_SECRETARY).get("/api/people?page=2&page_size=5").json()

    assert (body["count"], body["page"], body["page_size"], len(body["items"])) == (8, 2, 5, 3)


def test_archived_people_are_listed_only_on_request(as_role, li):
    caller = as_role(Role.BRANCH_SECRETARY)
    caller.send("POST", f"/api/people/{li.pk}/archive", {"reason": "left_company"})

    assert caller.get("/api/people").json()["count"] == 0
    assert caller.get("/api/people?include_archived=true").json()["count"] == 1


@pytest.mark.parametrize("size", [5, 50])
def test_list_uses_a_constant_number_of_queries(as_role, make_person, tree, django_assert_num_queries, size):
    for _ in range(size - 1):
        make_person(tree.branch1, group=tree.group1)
    caller = as_role(Role.COMMITTEE_SECRETARY)

    # token + user, posts (scope), count, one page of people with branch and group
    with django_assert_num_queries(4):
        response = caller.get("/api/people?page_size=100")

    assert len(response.json()["items"]) == size


def test_history_lists_the_events(as_role, li):
    caller = as_role(Role.BRANCH_SECRETARY)
    caller.send("PATCH", f"/api/people/{li.pk}", {"party_post": "组织委员"})

    kinds = [e["kind"] for e in caller.get(f"/api/people/{li.pk}/events").json()["items"]]

    assert kinds == [PersonEventKind.UPDATED, PersonEventKind.CREATED]


# --- reveal -------------------------------------------------------------------------------------
def test_reveal_gives_the_full_number_and_audits_it(as_role, li, users):
    response = as_role(Role.BRANCH_SECRETARY).get(f"/api/people/{li.pk}/reveal?field=id_number")

    assert response.json() == {"field": "id_number", "value": li.id_number}
    entry = AuditEntry.objects.get(action="person.unmask")
    assert (entry.actor, entry.object_id) == (users[Role.BRANCH_SECRETARY], str(li.pk))


def test_a_member_may_reveal_their_own_phone(as_role, li):
    assert as_role("member").get(f"/api/people/{li.pk}/reveal?field=phone").json()["value"] == li.phone


def test_reveal_refuses_other_fields_listing_the_allowed_ones(as_role, li):
    response = as_role(Role.BRANCH_SECRETARY).get(f"/api/people/{li.pk}/reveal?field=name")

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "field"
    assert "id_number" in error["message"] and "phone" in error["message"]
    assert not AuditEntry.objects.filter(action="person.unmask").exists()


def test_reveal_outside_the_scope_is_404_and_not_audited(as_role, wang):
    response = as_role(Role.BRANCH_SECRETARY).get(f"/api/people/{wang.pk}/reveal?field=phone")

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="person.unmask").exists()


# --- writing --------------------------------------------------------------------------------------
def test_create_derives_birth_date_and_gender_from_the_id_number(as_role, tree, users):
    response = as_role(Role.BRANCH_COMMITTEE_MEMBER).send(
        "POST",
        "/api/people",
        {"name": "赵新人", "id_number": "140105199001010016", "branch_id": tree.branch1.pk},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["birth_date"], body["gender"], body["branch"]["name"]) == (
        "1990-01-01",
        "male",
        "综采一队党支部",
    )
    assert (
        AuditEntry.objects.filter(action="person.create", actor=users[Role.BRANCH_COMMITTEE_MEMBER]).count()
        == 1
    )


def test_create_reports_every_broken_rule_against_its_api_field(as_role, tree):
    response = as_role(Role.BRANCH_SECRETARY).send(
        "POST",
        "/api/people",
        {
            "name": "赵新人",
            "id_number": "140105199001010018",
            "branch_id": tree.branch1.pk,
            "phone": "12345",
        },
    )

    assert response.status_code == 422
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert errors["id_number"]["code"] == "id_checksum"
    assert "GB 11643" in errors["id_number"]["message"]
    assert errors["phone"]["message"].startswith("联系电话：")


def test_create_in_a_branch_outside_the_scope_is_refused_and_nothing_is_saved(as_role, tree):
    response = as_role(Role.BRANCH_SECRETARY).send(
        "POST",
        "/api/people",
        {"name": "赵新人", "id_number": "140105199001010016", "branch_id": tree.branch2.pk},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "branch_id", "message": "所在党支部：不存在或无权查看", "code": "not_found"}
    ]
    assert not Person.objects.filter(name="赵新人").exists()


def test_patch_changes_only_the_given_fields(as_role, li):
    before = Person.objects.get(pk=li.pk)

    response = as_role(Role.BRANCH_SECRETARY).send(
        "PATCH", f"/api/people/{li.pk}", {"job_type": "采煤机司机"}
    )

    assert response.status_code == 200
    after = Person.objects.get(pk=li.pk)
    assert after.job_type == "采煤机司机"
    assert (after.id_number, after.phone, after.group_id, after.join_date) == (
        before.id_number,
        before.phone,
        before.group_id,
        before.join_date,
    )


def test_patch_cannot_move_a_person_to_another_branch(as_role, li, tree):
    response = as_role(Role.ORG_DEPARTMENT).send(
        "PATCH", f"/api/people/{li.pk}", {"branch_id": tree.branch2.pk}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "branch_id"
    assert Person.objects.get(pk=li.pk).branch_id == tree.branch1.pk


def test_patch_outside_the_scope_is_404_and_changes_nothing(as_role, wang):
    response = as_role(Role.BRANCH_SECRETARY).send("PATCH", f"/api/people/{wang.pk}", {"job_type": "x"})

    assert response.status_code == 404
    assert Person.objects.get(pk=wang.pk).job_type == ""


def test_transfer_moves_the_person_and_keeps_history(as_role, li, tree):
    response = as_role(Role.COMMITTEE_SECRETARY).send(
        "POST", f"/api/people/{li.pk}/transfer", {"to_branch_id": tree.office_branch.pk, "note": "工作调动"}
    )

    assert response.status_code == 200
    assert response.json()["branch"]["name"] == "机关第一党支部"
    assert li.events.filter(kind=PersonEventKind.TRANSFERRED).count() == 1


def test_archive_then_restore(as_role, li):
    caller = as_role(Role.BRANCH_SECRETARY)

    archived = caller.send("POST", f"/api/people/{li.pk}/archive", {"reason": "deceased", "on": "2025-01-02"})
    restored = caller.send("POST", f"/api/people/{li.pk}/restore", {"note": "误操作"})

    assert (archived.json()["status"], archived.json()["archived_on"]) == ("archived", "2025-01-02")
    assert restored.json()["status"] == "active"
    assert Person.objects.get(pk=li.pk).status == RecordStatus.ACTIVE


def test_an_archived_record_is_read_only(as_role, li):
    caller = as_role(Role.BRANCH_SECRETARY)
    caller.send("POST", f"/api/people/{li.pk}/archive", {"reason": "deceased"})

    response = caller.send("PATCH", f"/api/people/{li.pk}", {"job_type": "x"})

    assert response.status_code == 422
    assert "只读" in response.json()["errors"][0]["message"]


# --- bad input ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"id_number": "140105199001010016"}, "name", "姓名：不能为空"),
        (
            {"name": "赵新人", "birth_date": "1990/01/01"},
            "birth_date",
            "出生日期：应为 YYYY-MM-DD 格式的日期",
        ),
        (
            {"name": "赵新人", "birth_date": "1990-02-30"},
            "birth_date",
            "出生日期：应为 YYYY-MM-DD 格式的日期",
        ),
        ({"name": "赵新人", "birth_date": 0}, "birth_date", "出生日期：应为 YYYY-MM-DD 格式的日期"),
        ({"name": "赵新人", "branch_id": "四"}, "branch_id", "所在党支部：应为整数"),
        ({"name": "赵新人", "branch_id": "4"}, "branch_id", "所在党支部：应为整数"),
        ({"name": "赵" * 41}, "name", "姓名：不能超过 40 个字"),
        ({"name": "赵新人", "is_frontline": "yes"}, "is_frontline", "一线职工：应为 true 或 false"),
        ({"name": "赵新人\x00"}, "name", "姓名：不能包含控制字符"),
        ({"name": "赵新人", "nickname": "小赵"}, "nickname", "nickname：不是可识别的字段"),
    ],
)
def test_bad_input_is_422_in_chinese_naming_the_field(as_role, tree, body, field, message):
    body = {"branch_id": tree.branch1.pk, **body}

    response = as_role(Role.BRANCH_SECRETARY).send("POST", "/api/people", body)

    assert response.status_code == 422
    assert {"field": field, "message": message} in [
        {"field": e["field"], "message": e["message"]} for e in response.json()["errors"]
    ]


def test_enum_errors_list_the_allowed_values(as_role, tree):
    response = as_role(Role.BRANCH_SECRETARY).send(
        "POST", "/api/people", {"name": "赵新人", "branch_id": tree.branch1.pk, "political_status": "党员"}
    )

    message = response.json()["errors"][0]["message"]
    assert message.startswith("政治面貌：应为以下之一：")
    assert "full（正式党员）" in message and "worker（群众）" in message


def test_bad_query_parameters_are_422(as_role):
    response = as_role(Role.BRANCH_SECRETARY).get("/api/people?page=0&page_size=abc")

    assert response.status_code == 422
    assert {e["field"]: e["message"] for e in response.json()["errors"]} == {
        "page": "页码：不能小于 1",
        "page_size": "每页条数：应为整数",
    }


def test_malformed_json_is_400_in_chinese(as_role):
    response = as_role(Role.BRANCH_SECRETARY).send("POST", "/api/people", "{not json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "请求体：不是有效的 JSON"


@pytest.mark.parametrize("person_id", ["0", "-1", "99999999999999999999999", "abc"])
def test_odd_ids_never_cause_a_server_error(as_role, person_id):
    response = as_role(Role.ORG_DEPARTMENT).get(f"/api/people/{person_id}")

    assert response.status_code in (404, 422)
