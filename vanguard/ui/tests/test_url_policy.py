"""Every URL × every role (issue 2, "Security from the first line").

1. Every URL pattern of the site declares the action it needs (`@requires`); a new
   view without one fails `test_every_url_declares_a_policy`.
2. For every URL and every role: anonymous users are sent to the login page; a role
   without the action gets 403; an object outside the user's scope gets 404, whatever
   id is tried; an object inside it is served.

The expectations below are written out by hand from the role table in
docs/decisions/0002-roles-and-scope.md, not read from the code under test.
"""

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
    },
    Role.BRANCH_SECRETARY: {
        "org.view",
        "org.manage",
        "person.view",
        "person.manage",
        "person.unmask",
        "register.export",
        "import.roster",
    },
    Role.BRANCH_COMMITTEE_MEMBER: {"org.view", "person.view", "person.manage", "register.export"},
    Role.GROUP_LEADER: {"org.view", "person.view"},
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


def _objects(tree, role):
    """(inside, outside) objects for a role: organisations and people."""
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
        return org_in, None, person_in, None
    return org_in, tree.group3, person_in, person_out


def _kwargs(pattern, org, person):
    keys = set(pattern.pattern.converters)
    kwargs = {}
    if "pk" in keys:
        kwargs["pk"] = person.pk if pattern.callback.vanguard_policy.startswith("person") else org.pk
    if "field" in keys:
        kwargs["field"] = "phone"
    if "kind" in keys:
        kwargs["kind"] = "roster"
    if "token" in keys:  # an upload token that is not the user's: never found
        kwargs["token"] = "0" * 32
    return kwargs


def _call(client, name, pattern, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


@pytest.mark.parametrize(("name", "pattern"), CASES, ids=[c[0] for c in CASES])
def test_anonymous_users_are_sent_to_login(client, tree, users, name, pattern):
    policy = pattern.callback.vanguard_policy
    org_in, _, person_in, _ = _objects(tree, Role.ORG_DEPARTMENT)
    response = _call(client, name, pattern, _kwargs(pattern, org_in, person_in))
    if policy == PUBLIC:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 302 and reverse("accounts:login") in response.url


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize(("name", "pattern"), CASES, ids=[c[0] for c in CASES])
def test_each_role_gets_what_its_post_allows(client, tree, users, role, name, pattern):
    policy = pattern.callback.vanguard_policy
    client.force_login(users[role])
    org_in, org_out, person_in, person_out = _objects(tree, role)
    if policy in (PUBLIC, AUTHENTICATED):
        response = _call(client, name, pattern, _kwargs(pattern, org_in, person_in))
        assert response.status_code in (200, 302)
        return
    allowed = policy in ALLOWED[role]
    response = _call(client, name, pattern, _kwargs(pattern, org_in, person_in))
    if not allowed:
        assert response.status_code == 403, f"{role} must not reach {name}"
        return
    takes_object = "pk" in pattern.pattern.converters
    if takes_object:
        assert response.status_code not in (403, 404), f"{role} must reach {name} inside the scope"
        if org_out is not None:
            outside = _call(client, name, pattern, _kwargs(pattern, org_out, person_out))
            assert outside.status_code == 404, f"{role} must not reach {name} outside the scope"
    else:
        assert response.status_code != 403


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_nothing_outside_the_scope_changes_through_any_post(client, tree, users, role):
    """POSTing to every write URL with ids outside the scope leaves the outsider alone."""
    if role == Role.ORG_DEPARTMENT:
        return
    client.force_login(users[role])
    outsider = Person.objects.get(name="王外人")
    before = (outsider.branch_id, outsider.status, outsider.name, outsider.updated_at)
    group3_before = (tree.group3.name, tree.group3.status)
    for name, pattern in CASES:
        if "pk" not in pattern.pattern.converters:
            continue
        kwargs = _kwargs(pattern, tree.group3, outsider)
        client.post(
            reverse(name, kwargs=kwargs),
            {
                "name": "改名",
                "reason": "deceased",
                "to_branch": tree.branch1.pk,
                "target": tree.group1.pk,
                "new_parent": tree.branch1.pk,
            },
        )
    outsider.refresh_from_db()
    tree.group3.refresh_from_db()
    assert (outsider.branch_id, outsider.status, outsider.name, outsider.updated_at) == before
    assert (tree.group3.name, tree.group3.status) == group3_before
