"""/api/admission: dossiers read through the scope, steps recorded through the services
and refused by the rules with their Chinese messages, and the admission_check contract
over HTTP (issue 3: "The rules live in one pure module that the UI, the API and this
command share"; "bad input … a clear error, never a traceback or a 500")."""

import dataclasses
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from vanguard.accounts import tokens
from vanguard.accounts.models import Role
from vanguard.admission import rules, selectors, services
from vanguard.admission.models import Dossier, Stage, Step, StepKind
from vanguard.admission.tests.journey import TO_APPROVAL, TO_CANDIDATE, step_data
from vanguard.admission.tests.test_rules import CONTRACT_JSON
from vanguard.core.models import AuditEntry
from vanguard.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_role(client, users):
    """A client calling the API with a bearer token of the given role."""

    def make(role):
        raw, _ = tokens.issue(user=users[role])

        class Caller:
            def get(self, url):
                return client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")

            def post(self, url, body):
                return client.generic(
                    "POST",
                    url,
                    data=body if isinstance(body, str) else json.dumps(body),
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {raw}",
                )

        return Caller()

    return make


def api_body(kind, on, mentors) -> dict:
    """The API body of one step of the journey (journey.step_data, in the API's fields)."""
    body = {"kind": str(kind), "on": on.isoformat()}
    extra = {
        StepKind.ACTIVIST: {"mentor_ids": [mentors[0].pk]},
        StepKind.SPONSORS: {"sponsor_ids": [m.pk for m in mentors]},
        StepKind.POLITICAL_REVIEW: {"conclusion": "政治合格"},
        StepKind.TRAINING: {"training": {"days": 3, "hours": 24}, "knowledge_passed": True},
        StepKind.COMMITTEE_REVIEW: {"able_to_fulfil_duties": True, "motive_ok": True},
        # The notice's date is its end.
        StepKind.NOTICE: {"notice": {"start": "2025-05-05", "end": on.isoformat()}},
        StepKind.CONGRESS: {"votes": {"should_attend": 20, "present": 15, "in_favour": 12}},
        StepKind.COMMITTEE_TALK: {"motive_ok": True},
    }.get(kind, {})
    if kind == StepKind.NOTICE:
        del body["on"]
    return {**body, **extra}


def steps_url(dossier):
    return f"/api/admission/dossiers/{dossier.pk}/steps"


def errors(response) -> list[str]:
    return [e["message"] for e in response.json()["errors"]]


@pytest.fixture
def outsider_dossier(tree, make_person):
    person = make_person(
        tree.branch2,
        name="钱申请",
        group=tree.group3,
        birth_date=date(1995, 6, 1),
        political_status="worker",
        application_date=None,
        join_date=None,
        full_member_date=None,
    )
    return services.open_dossier(person=person, on=date(2024, 2, 1), acting_user=None)


# --- reading --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "names"),
    [
        (Role.ORG_DEPARTMENT, ["赵申请", "钱申请"]),
        (Role.COMMITTEE_SECRETARY, ["赵申请"]),
        (Role.BRANCH_COMMITTEE_MEMBER, ["赵申请"]),
    ],
)
def test_list_shows_only_the_scope(as_role, candidate, outsider_dossier, role, names):
    body = as_role(role).get("/api/admission/dossiers").json()

    assert sorted(d["person"]["name"] for d in body["items"]) == sorted(names)
    assert body["count"] == len(names)


def test_list_items_and_filters(as_role, candidate, outsider_dossier, tree):
    caller = as_role(Role.ORG_DEPARTMENT)

    items = caller.get(f"/api/admission/dossiers?branch={tree.branch1.pk}").json()["items"]
    assert items == [
        {
            "id": candidate.pk,
            "person": {"id": candidate.person_id, "name": "赵申请"},
            "branch": {"id": tree.branch1.pk, "name": "综采一队党支部"},
            "stage": "candidate",
            "stage_label": "发展对象",
            "stage_since": "2025-03-05",
        }
    ]
    applicants = caller.get("/api/admission/dossiers?stage=applicant").json()["items"]
    assert [d["person"]["name"] for d in applicants] == ["钱申请"]
    bad = caller.get("/api/admission/dossiers?stage=党员&page=0")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"stage", "page"}


@pytest.mark.parametrize("size", [5, 40])
def test_list_uses_a_constant_number_of_queries(as_role, tree, make_person, django_assert_num_queries, size):
    for _ in range(size):
        person = make_person(
            tree.branch1,
            political_status="worker",
            birth_date=date(1990, 1, 1),
            application_date=None,
            join_date=None,
            full_member_date=None,
        )
        services.open_dossier(person=person, on=date(2024, 1, 10), acting_user=None)
    caller = as_role(Role.COMMITTEE_SECRETARY)

    # token + user, posts (scope), count, one page of dossiers with person and branch
    with django_assert_num_queries(4):
        response = caller.get("/api/admission/dossiers?page_size=100")

    assert len(response.json()["items"]) == size


def test_detail_lists_the_steps_corrections_and_todays_approval_check(as_role, candidate, users):
    inspection = Step.objects.get(dossier=candidate, kind=StepKind.INSPECTION, on=date(2024, 8, 25))
    correction = services.correct_step(
        step=inspection,
        on=date(2024, 8, 26),
        data=None,
        reason="日期笔误",
        acting_user=users[Role.BRANCH_SECRETARY],
    )

    body = as_role(Role.BRANCH_SECRETARY).get(f"/api/admission/dossiers/{candidate.pk}").json()

    assert [s["kind"] for s in body["steps"]] == [
        "application",
        "application_talk",
        "activist",
        "inspection",
        "inspection",
        "candidate",
    ]
    # The corrected row no longer stands; its correction does, pointing at it.
    assert inspection.pk not in [s["id"] for s in body["steps"]]
    assert [(c["id"], c["corrects"], c["on"]) for c in body["corrections"]] == [
        (correction.pk, inspection.pk, "2024-08-26")
    ]
    activist = next(s for s in body["steps"] if s["kind"] == "activist")
    assert activist["kind_label"] == "确定为入党积极分子"
    assert activist["data"]["mentors"][0]["name"] == "李党员"
    assert activist["recorded_by"] == "branch1_secretary"
    # A candidate: what the rules say about approval today, in the command's shape.
    expected = rules.check_approval(
        selectors.facts(candidate, selectors.steps_of(candidate)),
        on=timezone.localdate(),
        notice_rule=services.notice_rule(),
    )
    assert body["approval_check"] == expected.as_dict()
    assert body["approval_check"]["approvable"] is False


def test_detail_of_an_applicant_has_no_approval_check(as_role, outsider_dossier):
    body = as_role(Role.ORG_DEPARTMENT).get(f"/api/admission/dossiers/{outsider_dossier.pk}").json()

    assert body["stage"] == "applicant" and body["approval_check"] is None
    assert [s["kind"] for s in body["steps"]] == ["application"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.BRANCH_SECRETARY, 404),
        (Role.COMMITTEE_ORGANIZER, 404),
        (Role.GROUP_LEADER, 403),
        ("member", 403),
    ],
)
def test_detail_outside_the_scope_or_the_role_is_refused(as_role, outsider_dossier, role, status):
    assert as_role(role).get(f"/api/admission/dossiers/{outsider_dossier.pk}").status_code == status


# --- opening a dossier ----------------------------------------------------------------------
def test_open_makes_the_person_an_applicant(as_role, applicant):
    response = as_role(Role.BRANCH_SECRETARY).post(
        "/api/admission/dossiers", {"person_id": applicant.pk, "on": "2024-01-10", "document": "申请书"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["stage"], body["opened_on"], body["steps"][0]["kind"]) == (
        "applicant",
        "2024-01-10",
        "application",
    )
    applicant.refresh_from_db()
    assert applicant.political_status == "applicant" and applicant.application_date == date(2024, 1, 10)
    assert AuditEntry.objects.filter(action="admission.open").count() == 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"on": "2024-01-10"}, "person_id", "人员：不能为空"),
        ({"person_id": "3", "on": "2024-01-10"}, "person_id", "人员：应为整数"),
        ({"person_id": None, "on": "2024/01/10"}, "on", "申请日期：应为 YYYY-MM-DD 格式的日期"),
        ({"person_id": None, "on": "1800-01-10"}, "on", "申请日期：年份应在 1900 至 2199 之间"),
        ({"person_id": None, "on": "2024-01-10", "reason": "x"}, "reason", "reason：不是可识别的字段"),
    ],
)
def test_open_with_bad_input_is_422_naming_the_field(as_role, applicant, body, field, message):
    if "person_id" in body and body["person_id"] is None:
        body = {**body, "person_id": applicant.pk}

    response = as_role(Role.BRANCH_SECRETARY).post("/api/admission/dossiers", body)

    assert response.status_code == 422
    assert {"field": field, "message": message} in [
        {"field": e["field"], "message": e["message"]} for e in response.json()["errors"]
    ]
    assert not Dossier.objects.exists()


def test_open_refuses_a_member_a_second_dossier_and_someone_outside_the_scope(
    as_role, applicant, outsider_dossier, users
):
    caller = as_role(Role.BRANCH_SECRETARY)
    li = Person.objects.get(name="李党员")

    member = caller.post("/api/admission/dossiers", {"person_id": li.pk, "on": "2024-01-10"})
    outside = caller.post(
        "/api/admission/dossiers", {"person_id": outsider_dossier.person_id, "on": "2024-03-01"}
    )
    caller.post("/api/admission/dossiers", {"person_id": applicant.pk, "on": "2024-01-10"})
    again = caller.post("/api/admission/dossiers", {"person_id": applicant.pk, "on": "2024-02-10"})

    assert (member.status_code, errors(member)) == (422, ["人员：李党员 已是党员"])
    assert (outside.status_code, outside.json()["errors"]) == (
        422,
        [{"field": "person_id", "message": "人员：不存在或无权查看", "code": "not_found"}],
    )
    assert (again.status_code, errors(again)) == (422, ["人员：赵申请 已有进行中的发展档案"])
    assert Dossier.objects.count() == 2


# --- recording steps ------------------------------------------------------------------------
def test_a_valid_step_moves_the_stage_and_keeps_the_mentors_as_they_were(as_role, applicant, mentors, users):
    caller = as_role(Role.BRANCH_SECRETARY)
    dossier = services.open_dossier(person=applicant, on=date(2024, 1, 10), acting_user=None)
    caller.post(steps_url(dossier), api_body(StepKind.APPLICATION_TALK, date(2024, 1, 20), mentors))

    response = caller.post(
        steps_url(dossier),
        {**api_body(StepKind.ACTIVIST, date(2024, 3, 1), mentors), "meeting": "支委会 2024 年第 2 次"},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["stage"], body["stage_label"], body["stage_since"]) == (
        "activist",
        "入党积极分子",
        "2024-03-01",
    )
    step = body["steps"][-1]
    assert (step["kind"], step["meeting"]) == ("activist", "支委会 2024 年第 2 次")
    # Snapshotted the way the web form does it.
    assert step["data"] == {"mentors": [selectors.member_ref(mentors[0])]}
    applicant.refresh_from_db()
    assert applicant.political_status == "activist"


def test_the_whole_way_to_approval_through_the_api(as_role, applicant, mentors):
    branch, committee = as_role(Role.BRANCH_SECRETARY), as_role(Role.COMMITTEE_ORGANIZER)
    opened = branch.post("/api/admission/dossiers", {"person_id": applicant.pk, "on": "2024-01-10"})
    dossier = Dossier.objects.get(pk=opened.json()["id"])

    for kind, on in TO_CANDIDATE + TO_APPROVAL:
        caller = committee if kind in services.COMMITTEE_STEPS else branch
        response = caller.post(steps_url(dossier), api_body(kind, on, mentors))
        assert response.status_code == 201, (kind, response.content.decode())

    dossier.refresh_from_db()
    applicant.refresh_from_db()
    assert dossier.stage == Stage.PROBATIONARY
    assert applicant.political_status == "probationary" and applicant.join_date == date(2025, 6, 1)
    # The API stores each step's facts exactly as the services' other callers do.
    for step in Step.objects.filter(dossier=dossier).exclude(
        kind__in=[StepKind.APPLICATION, StepKind.APPROVAL]
    ):
        assert step.data == step_data(step.kind, mentors), step.kind
    assert Step.objects.get(dossier=dossier, kind=StepKind.APPROVAL).data == {"special_case": False}


def test_a_refused_approval_gives_every_reason_and_writes_nothing(as_role, candidate, mentors):
    branch = as_role(Role.BRANCH_SECRETARY)
    for kind, on in TO_APPROVAL[:3]:  # sponsors, political review, training
        assert branch.post(steps_url(candidate), api_body(kind, on, mentors)).status_code == 201
    before = (Step.objects.count(), AuditEntry.objects.count())

    response = as_role(Role.COMMITTEE_ORGANIZER).post(
        steps_url(candidate), {"kind": "approval", "on": "2025-06-20"}
    )

    assert response.status_code == 422
    facts = selectors.facts(candidate, selectors.steps_of(candidate))
    expected = rules.check_approval(
        dataclasses.replace(facts, approval_date=date(2025, 6, 20)),
        on=timezone.localdate(),
        notice_rule=services.notice_rule(),
    )
    assert errors(response) == [f.message for f in expected.findings]
    assert {f.check for f in expected.findings} >= {2, 3, 4, 5}
    assert any("五查之五" in m for m in errors(response))
    assert all(e["code"] != "forbidden" for e in response.json()["errors"])
    assert (Step.objects.count(), AuditEntry.objects.count()) == before
    candidate.refresh_from_db()
    assert candidate.stage == Stage.CANDIDATE


def test_a_committee_step_recorded_by_the_branch_is_403(as_role, candidate):
    response = as_role(Role.BRANCH_SECRETARY).post(
        steps_url(candidate), {"kind": "pre_review", "on": "2025-05-15"}
    )

    assert response.status_code == 403
    assert response.json()["errors"] == [
        {"field": "kind", "message": "环节：须由党委在其管理范围内办理", "code": "forbidden"}
    ]
    assert not Step.objects.filter(kind=StepKind.PRE_REVIEW).exists()


def test_a_step_outside_the_scope_is_404(as_role, outsider_dossier):
    response = as_role(Role.COMMITTEE_ORGANIZER).post(
        steps_url(outsider_dossier), {"kind": "application_talk", "on": "2024-02-10"}
    )

    assert response.status_code == 404
    assert Step.objects.filter(dossier=outsider_dossier).count() == 1


def test_a_step_out_of_stage_is_refused_with_the_reason(as_role, candidate):
    response = as_role(Role.BRANCH_SECRETARY).post(steps_url(candidate), {"kind": "oath", "on": "2025-07-01"})

    assert response.status_code == 422
    assert errors(response) == ["入党宣誓：赵申请 目前是发展对象，不能办理这一环节"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"kind": "入党"}, "kind", "环节：应为以下之一："),
        ({"kind": "inspection"}, "on", "日期：不能为空"),
        ({"kind": "inspection", "on": "2199-13-01"}, "on", "日期：应为 YYYY-MM-DD 格式的日期"),
        ({"kind": "inspection", "on": "9999-12-31"}, "on", "日期：年份应在 1900 至 2199 之间"),
        ({"kind": "sponsors", "on": "2025-03-10"}, "sponsor_ids", "入党介绍人：不能为空"),
        ({"kind": "sponsors", "on": "2025-03-10", "sponsor_ids": []}, "sponsor_ids", "入党介绍人："),
        (
            {"kind": "sponsors", "on": "2025-03-10", "sponsor_ids": [1, 2], "motive_ok": True},
            "motive_ok",
            "入党动机端正：确定入党介绍人不填写此项",
        ),
        (
            {"kind": "training", "on": "2025-04-10", "training": {"days": "3"}},
            "training.days",
            "培训天数：应为整数",
        ),
        (
            {"kind": "training", "on": "2025-04-10", "training": {}, "knowledge_passed": True},
            "days",
            "培训天数：请填写培训天数或学时（至少一项）",
        ),
        (
            {"kind": "committee_talk", "on": "2025-06-10", "motive_ok": "yes"},
            "motive_ok",
            "入党动机端正：应为 true 或 false",
        ),
        (
            {"kind": "notice", "notice": {"start": "2025-05-05", "end": "2025-05-11"}, "on": "2025-05-10"},
            "on",
            "日期：公示环节的日期即公示结束日期",
        ),
        (
            {
                "kind": "notice",
                "notice": {"start": "2025-05-05", "end": "2025-05-11", "objections": [{"text": "x"}]},
            },
            "notice.objections.0.resolved",
            "已查清处理：不能为空",
        ),
        (
            {"kind": "congress", "on": "2025-06-01", "votes": {"present": -1}},
            "votes.present",
            "实到（人）：不能小于 0",
        ),
        ({"kind": "stop", "on": "2025-06-01"}, "note", "说明：终止培养须写明原因"),
        ({"kind": "inspection", "on": "2025-01-01", "note": "a\x00"}, "note", "说明：不能包含控制字符"),
    ],
)
def test_bad_step_input_is_422_naming_the_field(as_role, candidate, body, field, message):
    before = Step.objects.count()

    response = as_role(Role.ORG_DEPARTMENT).post(steps_url(candidate), body)

    assert response.status_code == 422, response.content
    found = [(e["field"], e["message"]) for e in response.json()["errors"]]
    assert any(f == field and m.startswith(message) for f, m in found), found
    assert Step.objects.count() == before


def test_mentors_must_be_visible_distinct_and_not_the_person(
    as_role, applicant, mentors, users, tree, make_person
):
    dossier = services.open_dossier(person=applicant, on=date(2024, 1, 10), acting_user=None)
    wang = Person.objects.get(name="王外人")
    caller = as_role(Role.BRANCH_SECRETARY)

    def activist(ids):
        return caller.post(steps_url(dossier), {"kind": "activist", "on": "2024-03-01", "mentor_ids": ids})

    outside, twice, self_ = activist([wang.pk]), activist([mentors[0].pk] * 2), activist([applicant.pk])

    assert errors(outside) == [f"培养联系人：编号 {wang.pk} 不存在或无权查看"]
    assert outside.json()["errors"][0]["field"] == "mentor_ids"
    assert errors(twice) == ["培养联系人：不能重复"]
    assert errors(self_) == ["培养联系人：不能是本人"]
    # A worker as mentor is judged by the rules (细则第九条), not by the API.
    worker = make_person(tree.branch1, political_status="worker", join_date=None, full_member_date=None)
    refused = activist([worker.pk])
    assert refused.status_code == 422 and any("须为正式党员" in m for m in errors(refused))
    assert Step.objects.filter(dossier=dossier).count() == 1


@pytest.mark.parametrize("dossier_id", ["0", "-1", "99999999999999999999999", "abc", "1.5"])
def test_odd_ids_never_cause_a_server_error(as_role, dossier_id):
    caller = as_role(Role.ORG_DEPARTMENT)

    assert caller.get(f"/api/admission/dossiers/{dossier_id}").status_code in (404, 422)
    assert caller.post(f"/api/admission/dossiers/{dossier_id}/steps", {"kind": "oath"}).status_code in (
        404,
        422,
    )


def test_malformed_json_is_400_in_chinese(as_role, candidate):
    response = as_role(Role.ORG_DEPARTMENT).post(steps_url(candidate), "{not json")

    assert response.status_code == 400
    assert errors(response) == ["请求体：不是有效的 JSON"]


# --- the admission_check contract over HTTP -------------------------------------------------
def command(tmp_path, capsys, text: str):
    path = tmp_path / "dossier.json"
    path.write_text(text, encoding="utf-8")
    try:
        call_command("admission_check", str(path))
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


VIOLATING = {
    **CONTRACT_JSON,
    "candidate_date": "2024-08-31",
    "notice": {"start": "2024-11-04", "end": "2024-11-07", "objections": [{"resolved": False}]},
    "congress": {"date": "2024-12-02", "should_attend": 20, "present": 10, "in_favour": 10},
}


@pytest.mark.parametrize(
    "dossier",
    [CONTRACT_JSON, VIOLATING, {}, {**CONTRACT_JSON, "approval_date": None}, {"unknown": [1, {"x": None}]}],
    ids=["approvable", "violating", "empty", "today", "unknown-keys"],
)
def test_check_answers_what_the_command_prints(as_role, tmp_path, capsys, dossier):
    text = json.dumps(dossier, ensure_ascii=False)
    code, out, _ = command(tmp_path, capsys, text)

    response = as_role("member").post("/api/admission/check", text)

    assert response.status_code == 200
    assert response.json() == json.loads(out)
    assert code == (0 if response.json()["approvable"] else 1)


@pytest.mark.parametrize(
    "text",
    [
        "[1, 2]",
        "null",
        '"2024-01-01"',
        '{"birth_date": "2024-02-30"}',
        '{"inspections": [null]}',
        '{"congress": {"should_attend": 10, "present": 11}}',
        '{"mentors": [{}]}',
        '{"training": {"hours": -1}}',
        '{"approval_date": "1800-01-01"}',
    ],
)
def test_check_refuses_what_the_command_cannot_read_with_its_message(as_role, tmp_path, capsys, text):
    code, out, err = command(tmp_path, capsys, text)

    response = as_role(Role.BRANCH_SECRETARY).post("/api/admission/check", text)

    assert (code, out) == (2, "")
    assert response.status_code == 422
    assert errors(response) == [err.strip()]


def test_check_refuses_nan_and_malformed_json(as_role):
    caller = as_role(Role.GROUP_LEADER)

    nan = caller.post("/api/admission/check", '{"training": {"hours": NaN}}')
    broken = caller.post("/api/admission/check", '{"training": ')
    empty = caller.post("/api/admission/check", "")

    assert nan.status_code == 422 and "NaN" in errors(nan)[0]
    assert broken.status_code == 400
    assert empty.status_code == 422


def test_check_needs_a_login_but_no_post(client):
    response = client.post("/api/admission/check", "{}", content_type="application/json")

    assert response.status_code == 401
