"""Plans the admission dossiers of the demo group as plain data: one dossier per person
in the pipeline, per probationary member and per member who joined in recent years
(or, asked for more, older members and workers whose cultivation was stopped), each
with the steps of 《发展党员工作细则》 dated as the person's register dates require.

Every dossier obeys the rules (`vanguard.admission.rules`) except the planted
violations: about `VIOLATION_SHARE` of the dossiers that reached the candidate stage
get one or two of `PLANTED` (cultivation under a year, a four-day notice, an unresolved
objection, no pre-review, approval after three months, no quorum). Each plan says which
codes the audit must find (`planted`), so tests can hold the audit to exactly them."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from vanguard.admission.rules import add_months, add_years

RECENT_YEARS = 5  # members who joined within this many years get their dossier by default
VIOLATION_SHARE = 0.07
TWO_VIOLATIONS_SHARE = 0.3
# planted kind → the finding code the audit reports for it
PLANTED = (
    "cultivation",
    "notice_length",
    "notice_objection",
    "pre_review",
    "approval_window",
    "congress_quorum",
)


@dataclass
class StepPlan:
    kind: str
    on: date
    data: dict = field(default_factory=dict)
    meeting: str = ""
    decided_by: str = ""


@dataclass
class DossierPlan:
    person_id: int
    stage: str
    stage_since: date
    opened_on: date
    closed_on: date | None
    steps: list[StepPlan]
    planted: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonRow:
    id: int
    birth_date: date
    status: str
    application_date: date | None
    join_date: date | None
    full_member_date: date | None
    branch_id: int


def _plus(d: date, days: int) -> date:
    return d + timedelta(days=days)


class DossierFactory:
    """Draws dossiers from one `random.Random`; `members(branch_id)` gives the full
    members a mentor or sponsor can be chosen from, as {"person_id", "name"} dicts."""

    def __init__(self, rng: random.Random, today: date, members):
        self.rng, self.today, self.members = rng, today, members

    # --- the pieces ------------------------------------------------------------------------
    def _refs(self, p: PersonRow, n: int) -> list[dict]:
        pool = self.members(p.branch_id)
        chosen = [m for m in self.rng.sample(pool, min(n + 1, len(pool))) if m[0] != p.id][:n]
        return [{"person_id": m[0], "name": m[1], "full_member": True} for m in chosen]

    def _inspections(self, start: date, before: date) -> list[StepPlan]:
        """Half-yearly inspections after `start`, strictly before `before`, none more
        than 170 days after the previous one (细则第十一条: every six months)."""
        out, d = [], start
        while True:
            d = _plus(d, self.rng.randint(120, 170))
            if d >= before:
                return out
            out.append(StepPlan("inspection", d, {"conclusion": "表现良好"}, meeting="党支部"))

    def _start(self, p: PersonRow, activist_by: date | None) -> tuple[list[StepPlan], date, date]:
        """Application and the talk within a month; the activist date no later than
        `activist_by` (None: no activist step). Returns (steps, talk date, activist date)."""
        rng, a = self.rng, p.application_date
        room = (activist_by - a).days if activist_by else 60
        talk = _plus(a, rng.randint(3, max(3, min(25, room - 5))))
        steps = [
            StepPlan("application", a),
            StepPlan("application_talk", talk, decided_by="党支部", meeting="谈话"),
        ]
        if activist_by is None:
            return steps, talk, talk
        activist = _plus(talk, rng.randint(1, max(1, min(300, (activist_by - talk).days))))
        steps.append(
            StepPlan(
                "activist",
                activist,
                {"mentors": self._refs(p, rng.choice((1, 2)))},
                meeting="支部委员会",
            )
        )
        return steps, talk, activist

    def _candidate_phase(
        self, p: PersonRow, activist: date, candidate: date, end: date, count: int, planted: set[str]
    ) -> list[StepPlan]:
        """Sponsors … volunteer form between the candidate date and `end`, the first
        `count` of them."""
        rng, span = self.rng, (end - candidate).days
        at = lambda share: _plus(candidate, round(span * share))  # noqa: E731
        notice_start = at(0.5)
        length = 4 if "notice_length" in planted else rng.randint(5, 7)
        objections = [{"summary": "群众反映问题", "resolved": True}] if rng.random() < 0.05 else []
        if "notice_objection" in planted:
            objections = [{"summary": "群众反映有违纪问题", "resolved": False}]
        pre_review = max(at(0.7), add_years(activist, 1))
        steps = [
            StepPlan("sponsors", at(0.05), {"sponsors": self._refs(p, 2)}, meeting="支部委员会"),
            StepPlan("political_review", at(0.15), {"conclusion": "政治合格"}, decided_by="党委组织部"),
            StepPlan("training", at(0.25), {"days": 3, "hours": 24, "knowledge_passed": True}),
            StepPlan(
                "committee_review",
                at(0.4),
                {"able_to_fulfil_duties": True, "motive_ok": True},
                meeting="支部委员会",
            ),
            StepPlan(
                "notice",
                notice_start,
                {
                    "start": notice_start.isoformat(),
                    "end": _plus(notice_start, length - 1).isoformat(),
                    "objections": objections,
                },
            ),
            StepPlan("pre_review", pre_review, decided_by="党委"),
            StepPlan("volunteer_form", max(at(0.85), pre_review)),
        ]
        if "pre_review" in planted:
            steps = [s for s in steps if s.kind != "pre_review"]
        return steps[:count]

    def _plant(self, allowed: tuple[str, ...]) -> set[str]:
        if not allowed or self.rng.random() >= VIOLATION_SHARE:
            return set()
        n = 2 if self.rng.random() < TWO_VIOLATIONS_SHARE and len(allowed) > 1 else 1
        return set(self.rng.sample(allowed, n))

    # --- one dossier ------------------------------------------------------------------------
    def for_person(self, p: PersonRow) -> DossierPlan | None:
        if p.status in ("full", "probationary"):
            return self._member(p)
        if p.status == "candidate":
            return self._candidate(p)
        if p.status == "activist":
            return self._activist(p)
        if p.status == "applicant":
            return self._applicant(p)
        return None

    def _applicant(self, p: PersonRow) -> DossierPlan:
        a = p.application_date
        steps = [StepPlan("application", a)]
        talk = _plus(a, self.rng.randint(3, 25))
        if talk <= self.today:
            steps.append(StepPlan("application_talk", talk, decided_by="党支部", meeting="谈话"))
        return DossierPlan(p.id, "applicant", a, a, None, steps)

    def _activist(self, p: PersonRow) -> DossierPlan:
        steps, _talk, activist = self._start(p, _plus(self.today, -1))
        steps += self._inspections(activist, self.today)
        return DossierPlan(p.id, "activist", activist, p.application_date, None, steps)

    def _candidate(self, p: PersonRow) -> DossierPlan:
        rng, today = self.rng, self.today
        planted = self._plant(("cultivation",))
        steps, _talk, activist = self._start(p, _plus(today, -366))
        if "cultivation" in planted:
            candidate = _plus(activist, rng.randint(250, 330))
        else:
            candidate = _plus(
                add_years(activist, 1), rng.randint(0, max(0, min(200, (today - activist).days - 366)))
            )
        candidate = min(candidate, today)
        steps += self._inspections(activist, candidate)
        steps.append(StepPlan("candidate", candidate, meeting="支部委员会"))
        # The later steps need room before today (and, planted, a year after the activist date).
        room = (today - candidate).days >= 20
        count = rng.randint(0, 7) if room else 0
        if "cultivation" in planted:
            count = min(count, 5)
        steps += self._candidate_phase(p, activist, candidate, today, count, set())
        return DossierPlan(
            p.id, "candidate", candidate, p.application_date, None, steps, tuple(sorted(planted))
        )

    def _member(self, p: PersonRow) -> DossierPlan:
        rng, today, join = self.rng, self.today, p.join_date
        allowed = list(PLANTED)
        if add_months(join, 3) + timedelta(days=2) > today:
            allowed.remove("approval_window")
        planted = self._plant(tuple(allowed))
        steps, _talk, activist = self._start(p, _plus(join, -385))
        if "cultivation" in planted:
            candidate = _plus(activist, rng.randint(250, 330))
        else:
            slack = (join - activist).days - 365 - 20
            candidate = _plus(add_years(activist, 1), rng.randint(0, max(0, min(200, slack))))
        steps += self._inspections(activist, candidate)
        steps.append(StepPlan("candidate", candidate, meeting="支部委员会"))
        steps += self._candidate_phase(p, activist, candidate, join, 7, planted)

        should = rng.randint(8, 45)
        half = should // 2
        if "congress_quorum" in planted:
            present, in_favour = rng.randint(max(1, half - 3), half), half + 1
        else:
            present = rng.randint(half + 1, should)
            in_favour = rng.randint(half + 1, present)
        steps.append(
            StepPlan(
                "congress",
                join,
                {"should_attend": should, "present": present, "in_favour": in_favour},
                meeting="支部党员大会",
            )
        )
        if "approval_window" in planted:
            approval = min(_plus(add_months(join, 3), rng.randint(1, 45)), today)
        else:
            approval = _plus(join, min(rng.randint(7, 75), (today - join).days))
        talk = _plus(join, rng.randint(0, (approval - join).days))
        steps.append(StepPlan("committee_talk", talk, {"motive_ok": True}, decided_by="党委"))
        steps.append(StepPlan("approval", approval, decided_by="党委", meeting="党委会"))
        oath = _plus(approval, rng.randint(0, 30))
        if oath <= today:
            steps.append(StepPlan("oath", oath))
        if p.status == "probationary":
            return DossierPlan(
                p.id, "probationary", approval, p.application_date, None, steps, tuple(sorted(planted))
            )
        end = max(p.full_member_date, add_years(join, 1))
        outcome = min(_plus(end, rng.randint(0, 60)), today)
        steps += [
            StepPlan(
                "conversion_application", max(oath, _plus(end, -rng.randint(5, 30))) if oath <= today else end
            ),
            StepPlan("outcome_congress", end, {"outcome": "conversion"}, meeting="支部党员大会"),
            StepPlan("outcome_approval", outcome, {"outcome": "conversion"}, decided_by="党委"),
        ]
        return DossierPlan(p.id, "full", outcome, p.application_date, outcome, steps, tuple(sorted(planted)))

    def stopped(self, p: PersonRow) -> DossierPlan | None:
        """A worker who applied once and whose cultivation was stopped (终止培养)."""
        rng, today = self.rng, self.today
        earliest = max(_plus(add_years(p.birth_date, 18), 1), add_years(today, -15))
        latest = _plus(today, -200)
        if earliest > latest:
            return None
        a = _plus(earliest, rng.randint(0, (latest - earliest).days))
        row = PersonRow(p.id, p.birth_date, p.status, a, None, None, p.branch_id)
        became_activist = rng.random() < 0.5
        steps, _talk, activist = self._start(row, _plus(today, -100) if became_activist else None)
        stop = min(_plus(activist, rng.randint(30, 400)), today)
        if became_activist:
            steps += self._inspections(activist, stop)
        steps.append(StepPlan("stop", stop, {"reason": "本人申请终止"}, meeting="支部委员会"))
        return DossierPlan(p.id, "stopped", stop, a, stop, steps)


def order_for_dossiers(
    people: list[PersonRow], today: date, wanted: int | None
) -> tuple[list[PersonRow], list[PersonRow]]:
    """(people who get a dossier of their own standing, workers who get a stopped one).
    By default the pipeline, the probationary members and the members who joined in
    the last RECENT_YEARS; with `wanted`, that many dossiers: then older members (the
    most recent first) and then workers."""
    recent = add_years(today, -RECENT_YEARS)
    pipeline = [p for p in people if p.status in ("applicant", "activist", "candidate", "probationary")]
    full = sorted((p for p in people if p.status == "full"), key=lambda p: (p.join_date, p.id), reverse=True)
    if wanted is None:
        return pipeline + [p for p in full if p.join_date >= recent], []
    own = (pipeline + full)[:wanted]
    workers = [p for p in people if p.status == "worker"][: max(0, wanted - len(own))]
    return own, workers
