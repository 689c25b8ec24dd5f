"""Visibility and permission: decided here and nowhere else.

A user's *scope* is the union of the subtrees of the posts they hold, plus their own
person record. Every selector filters with `Scope.people_q()` / `Scope.orgs_q()`, and
every view and API operation declares the action it needs (`@requires("…")`); the
URL-walk test fails on any URL or operation without a declared action.

The role matrix (docs/decisions/0002-roles-and-scope.md):

| action          | 组织部 | 党委书记/组织委员 | 支部书记 | 支部委员 | 党小组长 | 党员本人 |
|-----------------|-------|-----------------|---------|---------|---------|---------|
| org.view        | all   | subtree         | branch  | branch  | group   | —       |
| org.manage      | all   | subtree         | groups of the branch | — | — | —     |
| person.view     | all   | subtree         | branch  | branch  | group   | self    |
| person.manage   | all   | subtree         | branch  | branch  | —       | —       |
| person.unmask   | all   | subtree         | branch  | —       | —       | self    |
| register.export | all   | subtree         | branch  | branch  | —       | —       |
| import.orgs     | all   | subtree         | —       | —       | —       | —       |
| import.roster   | all   | subtree         | branch  | —       | —       | —       |
| audit.view      | all   | subtree*        | —       | —       | —       | —       |
| admission.view  | all   | subtree         | branch  | branch  | —       | —       |
| admission.record| all   | subtree         | branch  | branch  | —       | —       |
| admission.approve| all  | subtree         | —       | —       | —       | —       |
| assessment.view | all   | subtree         | branch  | branch  | group   | —       |
| assessment.record| —    | —               | branch  | branch  | group   | —       |
| assessment.rules| all   | subtree         | branch  | —       | —       | —       |
| assessment.close| all   | subtree         | branch  | —       | —       | —       |
| appraisal.view  | all   | subtree         | branch  | branch  | group   | own†    |
| appraisal.record| —     | —               | branch  | branch  | —       | —       |
| appraisal.manage| all   | subtree         | branch  | —       | —       | —       |
| appraisal.rubric| all   | —               | —       | —       | —       | —       |

(* a committee sees the audit rows written by users whose posts lie in its subtree.)
(† a member takes part in the quantitative appraisal of their own branch — their goal
card, their self-evaluation, the peers they score, their own result and the branch's
published flag board — through `member_person_id`/`is_own_branch` below, never more.)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from vanguard.accounts.models import Post, Role

PUBLIC = "public"  # no login needed (login page)
AUTHENTICATED = "authenticated"  # any logged-in user; the data shown is still scoped

ACTIONS: dict[str, set[str]] = {
    "org.view": {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
        Role.BRANCH_COMMITTEE_MEMBER,
        Role.GROUP_LEADER,
    },
    "org.manage": {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
    },
    "person.view": {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
        Role.BRANCH_COMMITTEE_MEMBER,
        Role.GROUP_LEADER,
    },
    "person.manage": {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
        Role.BRANCH_COMMITTEE_MEMBER,
    },
    "person.unmask": {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
    },
    "register.export": {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
        Role.BRANCH_COMMITTEE_MEMBER,
    },
    "import.orgs": {Role.ORG_DEPARTMENT, Role.COMMITTEE_SECRETARY, Role.COMMITTEE_ORGANIZER},
    "import.roster": {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
    },
    "audit.view": {Role.ORG_DEPARTMENT, Role.COMMITTEE_SECRETARY, Role.COMMITTEE_ORGANIZER},
    # Admission (issue 3): the branch records its steps; the party committee pre-reviews,
    # talks with the candidate and approves (细则 art. 18, 22, 23).
    "admission.view": {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
        Role.BRANCH_COMMITTEE_MEMBER,
    },
    "admission.record": {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
        Role.BRANCH_COMMITTEE_MEMBER,
    },
    "admission.approve": {Role.ORG_DEPARTMENT, Role.COMMITTEE_SECRETARY, Role.COMMITTEE_ORGANIZER},
    # Monthly assessment (issue 4, seed 000): the branch committee and the group leaders
    # record and see the scores of their people; the branch secretary closes the branch's
    # month and a committee its subtree's; the organisation department sets the
    # enterprise's rules and a committee or branch may adapt them for its own members.
    "assessment.view": {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
        Role.BRANCH_COMMITTEE_MEMBER,
        Role.GROUP_LEADER,
    },
    "assessment.record": {Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE_MEMBER, Role.GROUP_LEADER},
    "assessment.rules": {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
    },
    "assessment.close": {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
    },
    # Quantitative appraisal (issue 4 points 6–9, seed 004: 填卡 · 评分 · 挂旗): the branch
    # committee records the organisation's scores, workers' paper forms, reviews the
    # quarterly self-checks and holds the talks; the branch secretary (or a committee
    # above) opens, closes, publishes and archives a cycle; the organisation department
    # alone edits the enterprise's rubric (细则).
    "appraisal.view": {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
        Role.BRANCH_COMMITTEE_MEMBER,
        Role.GROUP_LEADER,
    },
    "appraisal.record": {Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE_MEMBER},
    "appraisal.manage": {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
    },
    "appraisal.rubric": {Role.ORG_DEPARTMENT},
}
# Actions a plain member may take on their own record.
SELF_ACTIONS = {"person.view", "person.unmask"}


@dataclass(frozen=True)
class Grant:
    role: str
    org_id: int
    org_path: str
    org_kind: str
    org_name: str = ""

    @property
    def role_label(self) -> str:
        return f"{self.org_name}{Role(self.role).label}"


class Scope:
    """What one user may see and do. Built once per request (`scope_of`)."""

    def __init__(self, user, grants: list[Grant]):
        self.user = user
        self.grants = grants
        self.person_id = getattr(user, "person_id", None)

    # --- who is this --------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return bool(self.user and self.user.is_authenticated)

    @property
    def is_enterprise(self) -> bool:
        return any(g.role == Role.ORG_DEPARTMENT for g in self.grants)

    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def grants_for(self, action: str) -> list[Grant]:
        allowed = ACTIONS.get(action, set())
        return [g for g in self.grants if g.role in allowed]

    def may(self, action: str) -> bool:
        """May the user take this action anywhere at all (before looking at objects)?"""
        if action == PUBLIC:
            return True
        if not self.is_authenticated:
            return False
        if action == AUTHENTICATED:
            return True
        if action in SELF_ACTIONS and self.person_id:
            return True
        return bool(self.grants_for(action))

    # --- filters ------------------------------------------------------------------
    def orgs_q(self, action: str = "org.view", prefix: str = "") -> Q:
        """Organisations the user may take `action` on. `prefix` points at an
        Organization from another model ("branch__")."""
        grants = self.grants_for(action)
        if any(g.role == Role.ORG_DEPARTMENT for g in grants):
            return Q()
        q = Q(pk__in=[])
        for g in grants:
            if action == "org.manage" and g.role == Role.BRANCH_SECRETARY:
                # A branch secretary manages the party groups of the branch only.
                q |= Q(**{f"{prefix}parent_id": g.org_id, f"{prefix}kind": "group"})
            elif g.role == Role.GROUP_LEADER:
                q |= Q(**{f"{prefix}pk": g.org_id})
            else:
                q |= Q(**{f"{prefix}path__startswith": g.org_path})
        return q

    def people_q(self, action: str = "person.view", prefix: str = "") -> Q:
        """People the user may take `action` on. Works on Person (fields branch, group);
        `prefix` points at a Person from another model ("person__")."""
        grants = self.grants_for(action)
        if any(g.role == Role.ORG_DEPARTMENT for g in grants):
            return Q()
        q = Q(pk__in=[])
        for g in grants:
            if g.role == Role.GROUP_LEADER:
                q |= Q(**{f"{prefix}group_id": g.org_id})
            elif g.org_kind == "branch":
                q |= Q(**{f"{prefix}branch_id": g.org_id})
            else:
                q |= Q(**{f"{prefix}branch__path__startswith": g.org_path})
        if action in SELF_ACTIONS and self.person_id:
            q |= Q(**{f"{prefix}pk": self.person_id})
        return q

    def allows_org(self, action: str, org) -> bool:
        """Object check without a query, from the org's path."""
        for g in self.grants_for(action):
            if g.role == Role.ORG_DEPARTMENT:
                return True
            if action == "org.manage" and g.role == Role.BRANCH_SECRETARY:
                if org.parent_id == g.org_id and org.kind == "group":
                    return True
            elif g.role == Role.GROUP_LEADER:
                if org.pk == g.org_id:
                    return True
            elif org.path.startswith(g.org_path):
                return True
        return False

    def allows_person(self, action: str, person) -> bool:
        if action in SELF_ACTIONS and self.person_id and person.pk == self.person_id:
            return True
        for g in self.grants_for(action):
            if g.role == Role.ORG_DEPARTMENT:
                return True
            if g.role == Role.GROUP_LEADER:
                if person.group_id == g.org_id:
                    return True
            elif person.branch_id == g.org_id or (
                person.branch_id and person.branch.path.startswith(g.org_path)
            ):
                return True
        return False


def scope_of(user) -> Scope:
    cached = getattr(user, "_vanguard_scope", None)
    if cached is not None:
        return cached
    grants: list[Grant] = []
    if user is not None and user.is_authenticated:
        grants = [
            Grant(
                role=p.role,
                org_id=p.organization_id,
                org_path=p.organization.path,
                org_kind=p.organization.kind,
                org_name=p.organization.name,
            )
            for p in Post.objects.filter(user=user, ended_on__isnull=True).select_related("organization")
        ]
    scope = Scope(user, grants)
    if user is not None:
        user._vanguard_scope = scope
    return scope


def requires(action: str):
    """Declare the action a view needs. Anonymous users go to the login page; users
    without the action get 403. The object-level check is the selector's job (404)."""
    if action not in ACTIONS and action not in (PUBLIC, AUTHENTICATED):
        raise ValueError(f"unknown action {action}")

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if action != PUBLIC and not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not scope_of(request.user).may(action):
                raise PermissionDenied("您的职务无权进行此操作")
            return view(request, *args, **kwargs)

        wrapper.vanguard_policy = action
        return wrapper

    return decorate


# --- a member's own part in the quantitative appraisal ---------------------------------------


def member_person_id(user) -> int | None:
    """The person a logged-in user is (None for an account not linked to a person)."""
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "person_id", None)


def is_own_branch(user, person_branch_id: int | None, branch_id: int) -> bool:
    """A member takes part in their own branch's appraisal only: `person_branch_id` is the
    branch of the user's own person record (the caller reads it once per request)."""
    return (
        member_person_id(user) is not None and person_branch_id is not None and person_branch_id == branch_id
    )
