"""Every API operation × every role (issue 2.7, "the same scoping").

1. Every operation in the generated OpenAPI schema declares the action it needs
   (`x-vanguard-policy`, written by `@requires_api`); one without fails here, and so
   does an operation the matrix below does not cover.
2. For every operation and every role of the `users` fixture plus anonymous: 401 for
   anonymous, 403 for a role without the action, 404 for an object outside the scope
   (王外人 and 二矿's organisations for the 一矿 roles), 2xx for one inside it — and an
   answer that is not 2xx leaves the database exactly as it was.

The role table is written out by hand from docs/decisions/0002-roles-and-scope.md, not
read from the code under test.
"""

import json
from datetime import date

import pytest

from config.api import api
from conftest import PASSWORD
from vanguard.accounts import tokens
from vanguard.accounts.models import Role
from vanguard.accounts.policy import ACTIONS, AUTHENTICATED, PUBLIC
from vanguard.admission.models import Dossier, Step
from vanguard.admission.services import open_dossier
from vanguard.core.models import AuditEntry
from vanguard.organizations.models import Organization, OrgEvent
from vanguard.people.models import Person, PersonEvent
from vanguard.people.services import archive_person

ADMISSION = {"admission.view", "admission.record"}
ALLOWED = {
    Role.ORG_DEPARTMENT: {
        "org.view",
        "org.manage",
        "person.view",
        "person.manage",
        "person.unmask",
        *ADMISSION,
        "admission.approve",
    },
    Role.COMMITTEE_SECRETARY: {
        "org.view",
        "org.manage",
        "person.view",
        "person.manage",
        "person.unmask",
        *ADMISSION,
        "admission.approve",
    },
    Role.COMMITTEE_ORGANIZER: {
        "org.view",
        "org.manage",
        "person.view",
        "person.manage",
        "person.unmask",
        *ADMISSION,
        "admission.approve",
    },
    Role.BRANCH_SECRETARY: {
        "org.view",
        "org.manage",
        "person.view",
        "person.manage",
        "person.unmask",
        *ADMISSION,
    },
    Role.BRANCH_COMMITTEE_MEMBER: {"org.view", "person.view", "person.manage", *ADMISSION},
    Role.GROUP_LEADER: {"org.view", "person.view"},
    "member": {"person.view", "person.unmask"},
    "outsider_member": {"person.view", "person.unmask"},
}
ROLES = [*ALLOWED, "anonymous"]


def _org_ops():
    return {
        ("GET", "/api/orgs"): {"ok": 200},
        ("GET", "/api/orgs/{org_id}"): {"org": lambda t, inside: t.group1 if inside else t.group3, "ok": 200},
        ("POST", "/api/orgs"): {
            "body": lambda t, inside: {
                "name": "第三党小组",
                "kind": "group",
                "parent_id": (t.branch1 if inside else t.branch2).pk,
            },
            "ok": 201,
            # The parent is a reference in the body: one outside the scope is reported
            # against its field, worded like one that does not exist.
            "outside": 422,
        },
        ("POST", "/api/orgs/{org_id}/rename"): {
            "org": lambda t, inside: t.group2 if inside else t.group3,
            "body": lambda t, inside: {"name": "新名党小组"},
            "ok": 200,
        },
        ("POST", "/api/orgs/{org_id}/move"): {
            "org": lambda t, inside: t.group2 if inside else t.group3,
            "body": lambda t, inside: {"parent_id": (t.office_branch if inside else t.branch1).pk},
            "ok": 200,
            # A branch secretary cannot see (let alone manage) another branch.
            "inside_overrides": {Role.BRANCH_SECRETARY: 422},
        },
        ("POST", "/api/orgs/{org_id}/merge"): {
            "org": lambda t, inside: t.group2 if inside else t.group3,
            "body": lambda t, inside: {"target_id": t.group1.pk},
            "ok": 200,
        },
        ("POST", "/api/orgs/{org_id}/dissolve"): {
            "org": lambda t, inside: t.group2 if inside else t.group3,
            "body": lambda t, inside: {"note": "撤销"},
            "ok": 200,
            # 掘进党小组 still has 王外人: refused by the rules, not by the scope.
            "outside_overrides": {Role.ORG_DEPARTMENT: 422},
        },
    }


def _person_ops():
    return {
        ("GET", "/api/people"): {"ok": 200},
        ("GET", "/api/people/{person_id}"): {"person": True, "ok": 200},
        ("POST", "/api/people"): {
            "body": lambda t, inside: {
                "name": "赵新人",
                "id_number": "140105199001010016",
                "branch_id": (t.branch1 if inside else t.branch2).pk,
            },
            "ok": 201,
            "outside": 422,
        },
        ("PATCH", "/api/people/{person_id}"): {
            "person": True,
            "body": lambda t, inside: {"party_post": "宣传委员"},
            "ok": 200,
        },
        ("POST", "/api/people/{person_id}/transfer"): {
            "person": True,
            "body": lambda t, inside: {"to_branch_id": t.branch1.pk, "to_group_id": t.group2.pk},
            "ok": 200,
        },
        ("POST", "/api/people/{person_id}/archive"): {
            "person": True,
            "body": lambda t, inside: {"reason": "left_company"},
            "ok": 200,
        },
        ("POST", "/api/people/{person_id}/restore"): {
            "person": True,
            "archived": True,
            "body": lambda t, inside: {},
            "ok": 200,
        },
        ("GET", "/api/people/{person_id}/reveal"): {"person": True, "query": "?field=id_number", "ok": 200},
        ("GET", "/api/people/{person_id}/events"): {"person": True, "ok": 200},
    }


def _admission_ops():
    return {
        ("GET", "/api/admission/dossiers"): {"ok": 200},
        ("GET", "/api/admission/dossiers/{dossier_id}"): {"dossier": True, "ok": 200},
        ("POST", "/api/admission/dossiers"): {
            # Someone without a dossier yet: 孙群众 (inside) or 周群众 (二矿).
            "body": lambda t, inside: {
                "person_id": Person.objects.get(name="孙群众" if inside else "周群众").pk,
                "on": "2024-02-01",
            },
            "ok": 201,
            "outside": 422,
        },
        ("POST", "/api/admission/dossiers/{dossier_id}/steps"): {
            "dossier": True,
            "body": lambda t, inside: {
                "kind": "application_talk",
                "on": "2024-01-20",
                "decided_by": "李党员",
            },
            "ok": 201,
        },
        ("POST", "/api/admission/check"): {
            "body": lambda t, inside: {"birth_date": "1996-04-02", "application_date": "2024-01-10"},
            "ok": 200,
        },
    }


def _auth_ops():
    return {
        ("POST", "/api/auth/token"): {
            "body": lambda t, inside: {"username": "orgdept", "password": PASSWORD},
            "ok": 200,
        },
        ("GET", "/api/auth/me"): {"ok": 200},
        ("POST", "/api/auth/logout"): {"ok": 204},
    }


OPS = {**_auth_ops(), **_org_ops(), **_person_ops(), **_admission_ops()}


def schema_operations():
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path, op)
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
    ]


def test_every_operation_declares_a_known_policy():
    missing = [f"{m} {p}" for m, p, op in schema_operations() if "x-vanguard-policy" not in op]
    unknown = [
        f"{m} {p}: {op['x-vanguard-policy']}"
        for m, p, op in schema_operations()
        if op.get("x-vanguard-policy") not in {*ACTIONS, PUBLIC, AUTHENTICATED}
    ]
    assert missing == [], f"operations without @requires_api: {missing}"
    assert unknown == []


def test_every_operation_of_the_routers_carries_its_policy_on_the_view():
    # The schema walk above reads what ApiRouter wrote; this reads the views themselves.
    views = [
        operation.view_func
        for _, router in api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    ]
    assert len(views) == len(schema_operations())
    assert [v.__name__ for v in views if not getattr(v, "vanguard_policy", None)] == []


def test_the_matrix_covers_every_operation():
    assert {(m, p) for m, p, _ in schema_operations()} == set(OPS)


def test_only_the_token_operation_is_public():
    public = [f"{m} {p}" for m, p, op in schema_operations() if op["x-vanguard-policy"] == PUBLIC]
    assert public == ["POST /api/auth/token"]


def _fingerprint():
    return (
        list(Organization.objects.order_by("pk").values()),
        list(Person.objects.order_by("pk").values()),
        OrgEvent.objects.count(),
        PersonEvent.objects.count(),
        AuditEntry.objects.exclude(action__in=["login", "login_failed"]).count(),
        list(Dossier.objects.order_by("pk").values()),
        Step.objects.count(),
    )


def _expected(role, policy, spec, inside):
    if policy == PUBLIC:
        return spec["ok"]
    if role == "anonymous":
        return 401
    if policy != AUTHENTICATED and policy not in ALLOWED[role]:
        return 403
    overrides = spec.get("inside_overrides" if inside else "outside_overrides", {})
    if role in overrides:
        return overrides[role]
    has_object = "org" in spec or "person" in spec or "dossier" in spec or "body" in spec
    if not inside and has_object and role != Role.ORG_DEPARTMENT:
        return spec.get("outside", 404)
    return spec["ok"]


def _person(inside, role):
    li, wang = Person.objects.get(name="李党员"), Person.objects.get(name="王外人")
    # The outsider member's own record is 王外人: for them, 李党员 is the outside one.
    if role == "outsider_member":
        return wang if inside else li
    return li if inside else wang


CASES = [
    pytest.param(method, path, role, inside, id=f"{method} {path} {role} {'inside' if inside else 'outside'}")
    for (method, path), spec in OPS.items()
    for role in ROLES
    for inside in (
        (True, False)
        if ("org" in spec or "person" in spec or "dossier" in spec or "outside" in spec)
        else (True,)
    )
]


@pytest.fixture
def dossiers(tree, users, make_person):
    """An applicant's dossier inside the 一矿 roles' scope (综采一队党支部 / 第一党小组) and
    one outside it (二矿 掘进二队党支部), opened on 2024-01-10; and one person on each side
    without a dossier yet."""

    def worker(branch, group, name):
        return make_person(
            branch,
            name=name,
            group=group,
            birth_date=date(1996, 4, 2),
            political_status="worker",
            application_date=None,
            join_date=None,
            full_member_date=None,
        )

    opened = {
        inside: open_dossier(person=worker(branch, group, name), on=date(2024, 1, 10), acting_user=None)
        for inside, branch, group, name in (
            (True, tree.branch1, tree.group1, "赵申请"),
            (False, tree.branch2, tree.group3, "钱申请"),
        )
    }
    worker(tree.branch1, tree.group1, "孙群众")
    worker(tree.branch2, tree.group3, "周群众")
    return opened


@pytest.mark.parametrize(("method", "path", "role", "inside"), CASES)
def test_operation_answers_each_role_as_the_policy_says(
    request, client, tree, users, method, path, role, inside
):
    spec = OPS[(method, path)]
    if path.startswith("/api/admission"):
        dossiers = request.getfixturevalue("dossiers")
    policy = {(m, p): op["x-vanguard-policy"] for m, p, op in schema_operations()}[(method, path)]
    if spec.get("archived"):
        for person in Person.objects.all():
            archive_person(person=person, reason="other", acting_user=None)
    url = path
    if "org" in spec:
        url = url.replace("{org_id}", str(spec["org"](tree, inside).pk))
    if "person" in spec:
        url = url.replace("{person_id}", str(_person(inside, role).pk))
    if "dossier" in spec:
        url = url.replace("{dossier_id}", str(dossiers[inside].pk))
    url += spec.get("query", "")
    headers = {}
    if role != "anonymous":
        raw, _ = tokens.issue(user=users[role])
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    body = spec["body"](tree, inside) if "body" in spec else None
    before = _fingerprint()

    response = client.generic(
        method,
        url,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        **headers,
    )

    expected = _expected(role, policy, spec, inside)
    assert response.status_code == expected, response.content.decode()
    if response.status_code >= 300:
        assert _fingerprint() == before, "a refused request changed the database"
    if response.status_code == 404:
        assert response.json() == {
            "errors": [{"field": "", "message": "不存在或无权查看", "code": "not_found"}]
        }
