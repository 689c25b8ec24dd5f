"""Reads of the register, always scoped by the acting user (accounts.policy)."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from vanguard.accounts.policy import scope_of
from vanguard.core.errors import NotFoundOrForbidden
from vanguard.core.text import normalize
from vanguard.people.models import Person, PersonEvent, RecordStatus

LIST_RELATED = ("branch", "group")


def visible_people(user, *, action: str = "person.view", include_archived: bool = False) -> QuerySet[Person]:
    qs = Person.objects.filter(scope_of(user).people_q(action))
    if not include_archived:
        qs = qs.filter(status=RecordStatus.ACTIVE)
    return qs


def get_person(user, pk, *, action: str = "person.view") -> Person:
    try:
        return (
            visible_people(user, action=action, include_archived=True)
            .select_related("branch", "group", "work_district", "crew")
            .get(pk=pk)
        )
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden from None


def search_q(text: str) -> Q | None:
    """How a query string finds people (issue 2, point 3):
    - Chinese characters: part of the name;
    - Latin letters: the start of the full pinyin or of the initials (张三 ← zs, zhangsan, zhang);
    - digits: part of the phone number, or the end of the ID number (with a trailing X).
    Returns None for an empty query."""
    q = normalize(text).replace(" ", "")
    if not q:
        return None
    if re.fullmatch(r"[A-Za-z]+", q):
        q = q.lower()
        return Q(name_pinyin__startswith=q) | Q(name_initials__startswith=q)
    if re.fullmatch(r"\d+[Xx]?", q):
        digits = q.upper()
        cond = Q(id_number__endswith=digits)
        if digits.isdigit():
            cond |= Q(phone__contains=digits)
        return cond
    return Q(name__contains=q)


def search_people(
    user,
    text: str = "",
    *,
    branch_id=None,
    political_status: str = "",
    include_archived=False,
    action: str = "person.view",
) -> QuerySet[Person]:
    qs = visible_people(user, action=action, include_archived=include_archived)
    cond = search_q(text)
    if cond is not None:
        qs = qs.filter(cond)
    if branch_id:
        qs = qs.filter(Q(branch_id=branch_id) | Q(group_id=branch_id))
    if political_status:
        qs = qs.filter(political_status=political_status)
    return qs.select_related(*LIST_RELATED).order_by("name", "id")


def history(person: Person) -> QuerySet[PersonEvent]:
    return person.events.select_related("from_branch", "to_branch", "actor").order_by("-on", "-id")
