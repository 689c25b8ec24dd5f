"""Reads of admission dossiers, scoped by the acting user, and the translation of the
recorded steps into the plain facts `rules` judges."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, QuerySet

from vanguard.accounts.policy import scope_of
from vanguard.admission import rules
from vanguard.admission.models import OPEN_STAGES, Dossier, Stage, Step, StepKind
from vanguard.core.errors import NotFoundOrForbidden
from vanguard.organizations.models import Organization
from vanguard.people.models import MEMBER_STATUSES, Person


def visible_dossiers(user, *, action: str = "admission.view") -> QuerySet[Dossier]:
    return Dossier.objects.filter(scope_of(user).people_q(action, prefix="person__"))


def get_dossier(user, pk, *, action: str = "admission.view") -> Dossier:
    try:
        return visible_dossiers(user, action=action).select_related("person", "person__branch").get(pk=pk)
    except (Dossier.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden from None


def effective_steps(steps) -> list[Step]:
    """The steps that stand: a corrected step is replaced by its correction."""
    steps = list(steps)
    corrected = {s.corrects_id for s in steps if s.corrects_id}
    return [s for s in steps if s.pk not in corrected]


def latest(steps: list[Step]) -> dict[str, Step]:
    out: dict[str, Step] = {}
    for s in sorted(steps, key=lambda s: (s.on, s.pk or 0)):
        out[s.kind] = s
    return out


def facts(dossier: Dossier, steps: list[Step]) -> rules.Dossier:
    """The dossier as the rules see it, from its effective steps."""
    steps = effective_steps(steps)
    last = latest(steps)

    def on(kind):
        step = last.get(kind)
        return step.on if step else None

    def data(kind, key, default=None):
        step = last.get(kind)
        return step.data.get(key, default) if step else default

    notice = last.get(StepKind.NOTICE)
    congress = last.get(StepKind.CONGRESS)
    training = last.get(StepKind.TRAINING)
    mentors = data(StepKind.ACTIVIST, "mentors", None)
    sponsors = data(StepKind.SPONSORS, "sponsors", None)
    return rules.Dossier(
        birth_date=dossier.person.birth_date,
        application_date=on(StepKind.APPLICATION),
        application_talk_date=on(StepKind.APPLICATION_TALK),
        activist_date=on(StepKind.ACTIVIST),
        mentors=tuple(rules.Mentor(full_member=bool(m.get("full_member"))) for m in mentors or ()),
        inspections=tuple(sorted(s.on for s in steps if s.kind == StepKind.INSPECTION)),
        candidate_date=on(StepKind.CANDIDATE),
        sponsors=tuple(rules.Mentor(full_member=bool(m.get("full_member"))) for m in sponsors or ()),
        political_review_date=on(StepKind.POLITICAL_REVIEW),
        training=rules.Training(days=training.data.get("days"), hours=training.data.get("hours"))
        if training
        else None,
        committee_review_date=on(StepKind.COMMITTEE_REVIEW),
        notice=rules.Notice(
            start=_date(notice.data.get("start")),
            end=_date(notice.data.get("end")),
            objections=tuple(
                rules.Objection(resolved=bool(o.get("resolved"))) for o in notice.data.get("objections", [])
            ),
        )
        if notice
        else None,
        pre_review_date=on(StepKind.PRE_REVIEW),
        knowledge_passed=data(StepKind.TRAINING, "knowledge_passed"),
        # The branch committee's review judges the motive before the vote; the party
        # committee's talk may revise that judgement: the latest one stands.
        motive_ok=_first_known(
            data(StepKind.COMMITTEE_TALK, "motive_ok"), data(StepKind.COMMITTEE_REVIEW, "motive_ok")
        ),
        able_to_fulfil_duties=data(StepKind.COMMITTEE_REVIEW, "able_to_fulfil_duties"),
        congress=rules.Congress(
            date=congress.on,
            should_attend=congress.data.get("should_attend"),
            present=congress.data.get("present"),
            in_favour=congress.data.get("in_favour"),
        )
        if congress
        else None,
        committee_talk_date=on(StepKind.COMMITTEE_TALK),
        approval_date=on(StepKind.APPROVAL),
        special_case=dossier.special_case,
        volunteer_form_date=on(StepKind.VOLUNTEER_FORM),
    )


def _first_known(*values):
    return next((v for v in values if v is not None), None)


def _date(value):
    from datetime import date

    return date.fromisoformat(value) if value else None


def member_ref(person) -> dict:
    """A mentor or sponsor as Step.data keeps them: who, and their standing as it was on
    the day (细则 art. 9, 14), which the rules judge later. Shared by the web form and
    the API."""
    return {"person_id": person.pk, "name": person.name, "full_member": person.political_status == "full"}


def steps_of(dossier: Dossier) -> list[Step]:
    return list(dossier.steps.select_related("recorded_by").order_by("on", "id"))


def board(user, *, org=None) -> dict:
    """How many people are at each open stage, rolled up to the organisations one level
    below `org` (by default the top of the user's scope): the organisation department
    sees its mine committees, a committee its branches and general branches, a branch
    itself. One line per child keeps the enterprise board readable and quick however
    many branches there are. Two queries whatever the size: the counts per branch
    (with its path), the lines' names."""
    qs = visible_dossiers(user).filter(stage__in=OPEN_STAGES)
    if org is not None:
        qs = qs.filter(person__branch__path__startswith=org.path)
    # Counts per branch, keyed by the branch's path (the roll-up needs nothing else).
    per_branch: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OPEN_STAGES, 0))
    for row in qs.values("person__branch__path", "stage").annotate(n=Count("id")):
        per_branch[row["person__branch__path"]][row["stage"]] = row["n"]
    roots = [org.path] if org is not None else _scope_roots(user, per_branch)
    per_line: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OPEN_STAGES, 0))
    totals = dict.fromkeys(OPEN_STAGES, 0)
    for path, counts in per_branch.items():
        line_id = _line_of(path, roots)
        for stage, n in counts.items():
            per_line[line_id][stage] += n
            totals[stage] += n
    names = {
        o.pk: o
        for o in Organization.objects.filter(pk__in=[k for k in per_line if k]).only(
            "id", "name", "kind", "path"
        )
    }
    labels = [Stage(s).label for s in OPEN_STAGES]
    lines = sorted(
        (
            {
                "org": names[line_id],
                "cells": list(zip(labels, [counts[s] for s in OPEN_STAGES], strict=True)),
                "total": sum(counts.values()),
            }
            for line_id, counts in per_line.items()
            if line_id in names
        ),
        key=lambda line: (line["org"].path.count("/"), line["org"].name),
    )
    return {
        "stages": labels,
        "lines": lines,
        "totals": [totals[s] for s in OPEN_STAGES],
        "summary": list(zip(labels, [totals[s] for s in OPEN_STAGES], strict=True)),
        "total": sum(totals.values()),
    }


def _scope_roots(user, branch_paths) -> list[str]:
    """The top nodes of the user's scope, as paths: the roots of the tree for the
    organisation department, the nodes of the posts for everyone else."""
    scope = scope_of(user)
    if scope.is_enterprise:
        return sorted({"/" + p.strip("/").split("/")[0] + "/" for p in branch_paths if p})
    return sorted({g.org_path for g in scope.grants_for("admission.view")})


def _line_of(branch_path: str, roots: list[str]) -> int | None:
    """The node one level below the root that holds the branch (the branch itself when
    it is a root)."""
    for root in roots:
        if branch_path.startswith(root):
            rest = branch_path[len(root) :].strip("/").split("/")
            return int(rest[0]) if rest and rest[0] else int(root.strip("/").split("/")[-1])
    return None


def members_who_may_vouch(person) -> list:
    """The members of the person's branch offered as mentors or sponsors. Probationary
    members are listed too, so that choosing one is refused by the rules with the
    reason (细则 art. 9, 14: full members only) rather than silently hidden."""
    return list(
        Person.objects.filter(
            branch_id=person.branch_id, status="active", political_status__in=MEMBER_STATUSES
        )
        .exclude(pk=person.pk)
        .order_by("name")
    )
