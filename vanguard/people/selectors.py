"""Reads of the register, always scoped by the acting user (accounts.policy)."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from vanguard.accounts.policy import scope_of
from vanguard.core.errors import NotFoundOrForbidden
from vanguard.core.text import normalize
from vanguard.people.models import Person, PersonEvent, RecordStatus, Tail4

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


TAIL = 4  # characters of the functional indexes person_phone_tail4 / person_id_tail4 (Tail4)


def search_q(text: str) -> Q | None:
    """How a query string finds people (issue 2, point 3):
    - Chinese characters: part of the name;
    - Latin letters: the start of the full pinyin or of the initials (张三 ← zs, zhang, zhangsan);
    - digits: a whole phone number, or the last digits (4 or more) of a phone or ID
      number (with a trailing X).
    Every branch but "part of the name" is an index lookup on SQLite and PostgreSQL:
    prefixes become ranges (LIKE 'x%' cannot use an index on SQLite), tails go
    through the indexes on the last four characters. Returns None for an empty query."""
    q = normalize(text).replace(" ", "")
    if not q:
        return None
    if re.fullmatch(r"[A-Za-z]+", q):
        q = q.lower()
        return _prefix("name_pinyin", q) | _prefix("name_initials", q)
    if re.fullmatch(r"\d+[Xx]?", q):
        digits = q.upper()
        if len(digits) < TAIL:
            return Q(pk__in=[])
        cond = Q(id_tail=digits[-TAIL:], id_number__endswith=digits)
        if digits.isdigit():
            cond |= Q(phone_tail=digits[-TAIL:], phone__endswith=digits) | Q(phone=digits)
        return cond
    return Q(name__contains=q)


def _prefix(field: str, prefix: str) -> Q:
    """field starts with prefix, as a range: prefix <= field < successor(prefix).
    Only used on lower-case a–z text, which sorts the same under every collation."""
    cond = Q(**{f"{field}__gte": prefix})
    stem = prefix.rstrip("z")
    if stem:
        cond &= Q(**{f"{field}__lt": stem[:-1] + chr(ord(stem[-1]) + 1)})
    return cond


def with_search_keys(qs: QuerySet[Person]) -> QuerySet[Person]:
    return qs.alias(id_tail=Tail4("id_number"), phone_tail=Tail4("phone"))


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
        qs = with_search_keys(qs).filter(cond)
    if branch_id:
        qs = qs.filter(Q(branch_id=branch_id) | Q(group_id=branch_id))
    if political_status:
        qs = qs.filter(political_status=political_status)
    return qs.select_related(*LIST_RELATED).order_by("name", "id")


def history(person: Person) -> QuerySet[PersonEvent]:
    return person.events.select_related("from_branch", "to_branch", "actor").order_by("-on", "-id")
