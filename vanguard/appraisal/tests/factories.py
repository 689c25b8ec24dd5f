"""Builders for appraisal tests that need a cycle with results without going through the
scoring (the 挂旗 tests: the flag board and the talks). The flag and the rank come from
the pure rules (`vanguard.assessment.rules`), as a real close computes them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from vanguard.appraisal.models import Cycle, CycleKind, CycleResult, CycleState, Rubric
from vanguard.assessment import rules


def rubric_for(organization) -> Rubric:
    """The enterprise's default rubric (`rubric.ensure_default_rubric`) when that module is
    there, else a minimal version row on the root of the tree: the board never reads the
    rubric's items."""
    try:
        from vanguard.appraisal.rubric import ensure_default_rubric
    except ImportError:
        root_id = organization.ancestor_ids[0] if organization.ancestor_ids else organization.pk
        found = Rubric.objects.filter(organization_id=root_id).order_by("-version").first()
        return found or Rubric.objects.create(organization_id=root_id, version=1)
    return ensure_default_rubric(organization=organization)


def make_cycle(
    organization,
    *,
    year: int = 2025,
    quarter: int | None = None,
    state: str = CycleState.PUBLISHED,
    published_on: date | None = date(2026, 1, 10),
) -> Cycle:
    return Cycle.objects.create(
        organization=organization,
        kind=CycleKind.QUARTERLY if quarter else CycleKind.YEARLY,
        year=year,
        quarter=quarter,
        rubric=rubric_for(organization),
        state=CycleState.OPEN if state == CycleState.ARCHIVED else state,
        published_on=published_on if state != CycleState.OPEN else None,
    )


def archive(cycle: Cycle) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(state=CycleState.ARCHIVED, archived_on=date(2026, 3, 1))
    cycle.refresh_from_db()
    return cycle


def make_results(cycle: Cycle, scored: list[tuple]) -> list[CycleResult]:
    """One result per (person, score) with the flag and the branch rank the rules give
    (ranked within each person's branch, ties sharing)."""
    by_branch: dict[int, list[tuple]] = {}
    for person, score in scored:
        by_branch.setdefault(person.branch_id, []).append((person, Decimal(str(score))))
    rows = []
    for branch_id, pairs in by_branch.items():
        ranks = rules.rank([s for _, s in pairs])
        for (person, score), position in zip(pairs, ranks, strict=True):
            rows.append(
                CycleResult(
                    cycle=cycle,
                    person=person,
                    branch_id=branch_id,
                    score=score,
                    flag=rules.flag_for(score),
                    rank=position,
                    explanation={"score": str(score)},
                )
            )
    return CycleResult.objects.bulk_create(rows)


SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏"
GIVEN = "建国伟强磊军洋勇艳杰娟涛明超秀霞平刚桂英"


def member_name(i: int, prefix: str = "") -> str:
    """A distinct Chinese name for the i-th member (names must be Chinese characters)."""
    return f"{prefix}{SURNAMES[i % len(SURNAMES)]}{GIVEN[i // len(SURNAMES) % len(GIVEN)]}{GIVEN[i % len(GIVEN)]}"


def make_members(make_person, branch, groups, count: int, *, prefix: str = "") -> list:
    """`count` members of `branch`, spread over `groups` in turn."""
    return [
        make_person(branch, name=member_name(i, prefix), group=groups[i % len(groups)] if groups else None)
        for i in range(count)
    ]


# A realistic spread of a branch's scores: most red or yellow, a few blue, one grey.
SPREAD = (96.5, 93, 91.2, 90, 89.9, 88, 86.5, 85, 84, 82.5, 81, 80, 79.5, 76, 72, 65)


def spread(n: int) -> list[float]:
    """n scores cycling through SPREAD, nudged so that bigger branches are not all ties."""
    return [max(40.0, SPREAD[i % len(SPREAD)] - (i // len(SPREAD)) * 0.3) for i in range(n)]
