"""Builders for the 评分 tests: members with accounts, a cycle, evaluations of a given
total written as a real grid would leave them (every item scored)."""

from __future__ import annotations

from decimal import Decimal

from conftest import PASSWORD
from vanguard.accounts.models import User
from vanguard.appraisal import cycles
from vanguard.appraisal.models import Evaluation, RubricItem


def member_user(make_person, branch, name, group=None):
    person = make_person(branch, name=name, group=group)
    user = User.objects.create_user(
        username=f"u{person.pk}", password=PASSWORD, display_name=name, person_id=person.pk
    )
    return person, user


def open_cycle(org, **kw):
    return cycles.open_cycle(
        organization=org, kind=kw.pop("kind", "yearly"), year=kw.pop("year", 2025), acting_user=None, **kw
    )


def scores_for(cycle, total) -> dict[str, str]:
    """Item points adding up to `total`: every item at its maximum, the shortfall taken
    from the first items."""
    total = Decimal(str(total))
    items = list(RubricItem.objects.filter(rubric=cycle.rubric).order_by("position", "id"))
    short = sum(it.max_points for it in items) - total
    scores = {}
    for it in items:
        cut = min(it.max_points, short)
        short -= cut
        scores[str(it.pk)] = str(it.max_points - cut)
    return scores


def evaluate(cycle, subject, source, total, *, evaluator=None, ballot="", complete=True):
    scores = scores_for(cycle, total)
    if not complete:
        scores.pop(next(iter(scores)))
    return Evaluation.objects.create(
        cycle=cycle,
        subject=subject,
        source=source,
        evaluator=evaluator,
        ballot=ballot if evaluator is None else "",
        scores=scores,
        total=sum(Decimal(v) for v in scores.values()),
        complete=complete,
    )
