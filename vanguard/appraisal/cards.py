"""填卡 — the members' goal cards (党员争优目标计划卡; issue 4 point 6, seed 004 and 001;
docs/decisions/0012-goal-cards.md).

A member (or, for the many miners without an account, the branch on their behalf) fills
the five parts of their card for a year and submits it; the branch confirms it — then
the parts never change — or returns it with a reason. The branch adds tasks X to one
member or many. Every quarter the member self-checks how far each part and each task
has come; the branch reviews the self-check with a verdict, and a reviewed self-check
never changes. 年初定目标、年中有督查、年底有考评 (seed 001).

Writes are keyword-only with the acting user, in one transaction, with an audit row
(`vanguard.core.audit`). Reads are scoped by `vanguard.accounts.policy`: a member sees
their own card; the branch committee its members' cards; a group leader their group's
(read only); a committee above its subtree's (read only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from vanguard.accounts.models import Role
from vanguard.accounts.policy import member_person_id, scope_of
from vanguard.appraisal.models import (
    CardPart,
    CardState,
    CheckVerdict,
    GoalCard,
    GoalTask,
    QuarterCheck,
)
from vanguard.core import audit
from vanguard.core.errors import DomainError, NotFoundOrForbidden, Problem
from vanguard.core.models import AuditEntry
from vanguard.organizations.models import Organization
from vanguard.people.models import MEMBER_STATUSES, Person

PARTS = [(p.value, p.label) for p in CardPart]
PART_KEYS = [p.value for p in CardPart]
QUARTERS = (1, 2, 3, 4)
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
EARLIEST_YEAR = 2000
TITLE_MAX = 200
TEXT_MAX = 2000  # one part of the card: a paper card has a few lines per part

# Verdicts that need the branch to say what to improve (a 一般/差 without a word is no
# help to the member: docs/decisions/0012).
VERDICTS_NEEDING_COMMENT = {CheckVerdict.ORDINARY, CheckVerdict.POOR}


def _user(acting_user):
    return acting_user if acting_user is not None and acting_user.is_authenticated else None


def _today(today: date | None) -> date:
    return today or timezone.localdate()


# --- the calendar (pure) --------------------------------------------------------------------


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * quarter - 2, 1)


def current_quarter(year: int, today: date) -> int | None:
    """The quarter of `year` whose self-check is due now: this quarter in the current year,
    the fourth in a past year, none in a future year."""
    if year < today.year:
        return 4
    if year > today.year:
        return None
    return quarter_of(today)


# --- reads ---------------------------------------------------------------------------------


def branches(user) -> QuerySet[Organization]:
    """Branches whose cards the user may look at (a group leader: the branch of their group)."""
    q = Q(pk__in=[])
    for g in scope_of(user).grants_for("appraisal.view"):
        if g.role == Role.ORG_DEPARTMENT:
            q = Q()
            break
        if g.role == Role.GROUP_LEADER:
            q |= Q(children__pk=g.org_id)
        else:
            q |= Q(path__startswith=g.org_path)
    return Organization.objects.filter(q, kind="branch").distinct().order_by("path")


def branch(user, pk) -> Organization:
    try:
        return branches(user).get(pk=int(pk))
    except (Organization.DoesNotExist, TypeError, ValueError):
        raise NotFoundOrForbidden from None


def members(branch: Organization) -> QuerySet[Person]:
    """The members of a branch who fill a card: full and probationary members on the roll."""
    return Person.objects.filter(branch=branch, political_status__in=MEMBER_STATUSES, status="active")


def _visible_people_q(user) -> Q:
    q = scope_of(user).people_q("appraisal.view")
    own = member_person_id(user)
    if own is not None:
        q |= Q(pk=own)
    return q


@dataclass
class OverviewRow:
    person: Person
    card: GoalCard | None
    check: QuarterCheck | None  # the self-check of the overview's quarter

    @property
    def card_state(self) -> str:
        return "not_started" if self.card is None else self.card.state

    @property
    def card_label(self) -> str:
        return "未填写" if self.card is None else self.card.get_state_display()

    @property
    def check_state(self) -> str:
        if self.card is None or self.card.state != CardState.CONFIRMED:
            return "no_card"
        return check_state(self.check)

    @property
    def check_label(self) -> str:
        return (
            CHECK_LABELS[self.check_state]
            if self.check_state != "reviewed"
            else (f"已审核（{self.check.get_verdict_display()}）")
        )


CHECK_LABELS = {
    "no_card": "—",
    "not_started": "未自查",
    "draft": "自查中",
    "submitted": "待支部审核",
    "reviewed": "已审核",
}


def check_state(check: QuarterCheck | None) -> str:
    if check is None:
        return "not_started"
    if check.reviewed_at is not None:
        return "reviewed"
    if check.submitted_at is not None:
        return "submitted"
    return "draft"


def overview(user, *, branch: Organization, year: int, quarter: int | None) -> list[OverviewRow]:
    """Every member of the branch the user may see, with their card of `year` and its
    self-check of `quarter`: three queries whatever the number of members."""
    people = list(
        members(branch)
        .filter(scope_of(user).people_q("appraisal.view"))
        .select_related("group")
        .order_by("group__path", "name", "pk")
    )
    checks = QuarterCheck.objects.filter(quarter=quarter or 0)
    cards = {
        c.person_id: c
        for c in GoalCard.objects.filter(person__in=[p.pk for p in people], year=year).prefetch_related(
            Prefetch("checks", queryset=checks, to_attr="quarter_checks")
        )
    }
    rows = []
    for p in people:
        card = cards.get(p.pk)
        check = card.quarter_checks[0] if card is not None and card.quarter_checks else None
        rows.append(OverviewRow(p, card, check))
    return rows


def summary(rows: list[OverviewRow]) -> dict[str, int]:
    counts = {"total": len(rows), "not_started": 0, "draft": 0, "submitted": 0, "confirmed": 0}
    counts.update({"checks_submitted": 0, "checks_reviewed": 0})
    for r in rows:
        counts[r.card_state] += 1
        if r.check_state == "submitted":
            counts["checks_submitted"] += 1
        elif r.check_state == "reviewed":
            counts["checks_reviewed"] += 1
    return counts


def card(user, pk) -> GoalCard:
    """A card the user may see (their own, or a member's within `appraisal.view`), with
    its person, tasks and self-checks; NotFoundOrForbidden otherwise (the view answers 404)."""
    try:
        found = (
            GoalCard.objects.select_related(
                "person", "person__branch", "person__group", "branch", "filled_by", "confirmed_by"
            )
            .prefetch_related(
                Prefetch("tasks", queryset=GoalTask.objects.select_related("added_by")),
                Prefetch(
                    "checks", queryset=QuarterCheck.objects.select_related("submitted_by", "reviewed_by")
                ),
            )
            .get(pk=int(pk))
        )
    except (GoalCard.DoesNotExist, TypeError, ValueError):
        raise NotFoundOrForbidden from None
    if not may_see(user, found):
        raise NotFoundOrForbidden
    return found


def own_card(user, year: int) -> GoalCard | None:
    person_id = member_person_id(user)
    if person_id is None:
        return None
    return GoalCard.objects.filter(person_id=person_id, year=year).first()


def own_person(user) -> Person | None:
    person_id = member_person_id(user)
    if person_id is None:
        return None
    return Person.objects.select_related("branch", "group").filter(pk=person_id).first()


def may_see(user, card: GoalCard) -> bool:
    return card.person_id == member_person_id(user) or scope_of(user).allows_person(
        "appraisal.view", card.person
    )


def is_recorder(user, person: Person) -> bool:
    """The branch committee of the person's branch (secretary or committee member)."""
    return scope_of(user).allows_person("appraisal.record", person)


def may_fill(user, card: GoalCard) -> bool:
    """Who may write the five parts and the self-checks: the member, or the branch on
    their behalf."""
    return card.person_id == member_person_id(user) or is_recorder(user, card.person)


def may_decide(user, card: GoalCard) -> bool:
    """Who confirms or returns a card and reviews a self-check: the branch committee, never
    for their own card."""
    return card.person_id != member_person_id(user) and is_recorder(user, card.person)


def last_return(card: GoalCard) -> AuditEntry | None:
    """The branch's latest return of a card, when the card is back in drafting after one
    (the reason lives in the audit row written with it)."""
    if card.state != CardState.DRAFT or card.submitted_at is None:
        return None
    return (
        AuditEntry.objects.filter(
            action="appraisal.card.return", object_type="appraisal.goalcard", object_id=str(card.pk)
        )
        .order_by("-at", "-id")
        .first()
    )


def checks_by_quarter(card: GoalCard) -> dict[int, QuarterCheck]:
    return {c.quarter: c for c in card.checks.all()}


def to_do(user) -> dict[str, int]:
    """For the home page: cards waiting for the branch's confirmation and self-checks
    waiting for its review, among the members the user records for (never their own)."""
    q = scope_of(user).people_q("appraisal.record", prefix="person__")
    own = member_person_id(user)
    cards_qs = GoalCard.objects.filter(q, state=CardState.SUBMITTED)
    checks_q = scope_of(user).people_q("appraisal.record", prefix="card__person__")
    checks_qs = QuarterCheck.objects.filter(checks_q, submitted_at__isnull=False, reviewed_at__isnull=True)
    if own is not None:
        cards_qs = cards_qs.exclude(person_id=own)
        checks_qs = checks_qs.exclude(card__person_id=own)
    return {"cards": cards_qs.count(), "checks": checks_qs.count()}


# --- writes: the card ------------------------------------------------------------------------


def _check_year(year: int, today: date) -> None:
    if not EARLIEST_YEAR <= year <= today.year + 1:
        raise DomainError(
            f"年度：只能是 {EARLIEST_YEAR} 年至 {today.year + 1} 年（最多提前一年填写）",
            field="年度",
            code="year",
        )


def _check_member(person: Person) -> None:
    if person.political_status not in MEMBER_STATUSES or person.status != "active":
        raise DomainError(
            f"党员：{person.name} 不是在册的正式或预备党员，不填写目标计划卡", field="党员", code="not_member"
        )


def open_card(*, person: Person, year: int, acting_user, today: date | None = None) -> GoalCard:
    """The person's card for the year, created empty (a draft) when there is none yet."""
    _check_year(year, _today(today))
    found = GoalCard.objects.filter(person=person, year=year).first()
    if found is not None:
        return found
    _check_member(person)
    try:
        with transaction.atomic():
            card = GoalCard.objects.create(
                person=person, branch_id=person.branch_id, year=year, filled_by=_user(acting_user)
            )
            audit.record(
                actor=acting_user,
                action="appraisal.card.open",
                obj=card,
                summary=f"{person.name} {year} 年度目标计划卡：开始填写",
                changes={"person": person.pk, "year": year},
            )
    except IntegrityError:  # opened meanwhile by another request
        return GoalCard.objects.get(person=person, year=year)
    return card


def _clean_parts(parts: dict[str, str]) -> dict[str, str]:
    cleaned = {}
    problems = []
    for key, label in PARTS:
        text = (parts.get(key) or "").strip()
        if len(text) > TEXT_MAX:
            problems.append(Problem(label, f"{label}：不能超过 {TEXT_MAX} 个字", "too_long"))
        cleaned[key] = text
    if problems:
        raise DomainError(problems)
    return cleaned


def _locked(card: GoalCard) -> GoalCard:
    return GoalCard.objects.select_for_update().get(pk=card.pk)


def save_card(*, card: GoalCard, parts: dict[str, str], acting_user, submit: bool = False) -> GoalCard:
    """Write the five parts of a card that is not confirmed yet. Changing a submitted card
    takes it back to drafting: the branch confirms exactly what was submitted. With
    `submit`, every part must be filled and the card goes to the branch."""
    cleaned = _clean_parts(parts)
    with transaction.atomic():
        locked = _locked(card)
        if locked.state == CardState.CONFIRMED:
            raise DomainError("目标卡：支部已确认，内容不能再修改", field="目标卡", code="confirmed")
        before = {k: getattr(locked, k) for k in PART_KEYS}
        changes = audit.diff(before, cleaned)
        for k, v in cleaned.items():
            setattr(locked, k, v)
        if changes:
            locked.filled_by = _user(acting_user)
            if locked.state == CardState.SUBMITTED:
                locked.state = CardState.DRAFT
        if submit:
            missing = [
                Problem(label, f"{label}：不能为空，提交前须填写完整", "required")
                for key, label in PARTS
                if not cleaned[key]
            ]
            if missing:
                raise DomainError(missing)
            if locked.state != CardState.SUBMITTED:
                locked.state = CardState.SUBMITTED
                locked.submitted_at = timezone.now()
        locked.save()
        if changes or submit:
            on_behalf = "（代填）" if locked.person_id != member_person_id(acting_user) else ""
            audit.record(
                actor=acting_user,
                action="appraisal.card.submit" if submit else "appraisal.card.save",
                obj=locked,
                summary=f"{locked.person.name} {locked.year} 年度目标计划卡："
                f"{'提交支部确认' if submit else '保存'}{on_behalf}",
                changes={k: v[1] for k, v in changes.items()},
            )
    return locked


def _decision_problems(card: GoalCard, acting_user) -> None:
    if card.person_id == member_person_id(acting_user):
        raise DomainError(
            "目标卡：不能确认或退回本人的目标卡，请由支部其他委员办理", field="目标卡", code="own"
        )


def confirm_card(*, card: GoalCard, acting_user) -> GoalCard:
    _decision_problems(card, acting_user)
    with transaction.atomic():
        locked = _locked(card)
        if locked.state != CardState.SUBMITTED:
            raise DomainError(
                f"目标卡：当前状态为“{locked.get_state_display()}”，只有已提交的目标卡才能确认",
                field="目标卡",
                code="state",
            )
        locked.state = CardState.CONFIRMED
        locked.confirmed_at = timezone.now()
        locked.confirmed_by = _user(acting_user)
        locked.save()
        audit.record(
            actor=acting_user,
            action="appraisal.card.confirm",
            obj=locked,
            summary=f"{locked.person.name} {locked.year} 年度目标计划卡：支部确认",
        )
    return locked


def return_card(*, card: GoalCard, reason: str, acting_user) -> GoalCard:
    reason = (reason or "").strip()
    _decision_problems(card, acting_user)
    if not reason:
        raise DomainError("退回原因：不能为空，请写明需要修改的地方", field="退回原因", code="required")
    if len(reason) > 500:
        raise DomainError("退回原因：不能超过 500 个字", field="退回原因", code="too_long")
    with transaction.atomic():
        locked = _locked(card)
        if locked.state != CardState.SUBMITTED:
            raise DomainError(
                f"目标卡：当前状态为“{locked.get_state_display()}”，只有已提交的目标卡才能退回",
                field="目标卡",
                code="state",
            )
        locked.state = CardState.DRAFT
        locked.save()
        audit.record(
            actor=acting_user,
            action="appraisal.card.return",
            obj=locked,
            summary=f"{locked.person.name} {locked.year} 年度目标计划卡：退回修改（{reason}）",
            changes={"reason": reason},
        )
    return locked


# --- writes: tasks X -------------------------------------------------------------------------


def add_task(
    *,
    people: list[Person],
    year: int,
    title: str,
    detail: str = "",
    due: date | None = None,
    acting_user,
    today: date | None = None,
) -> list[GoalTask]:
    """The branch adds the same task X to the card of each of `people` for the year (a card
    not started yet is opened, so the task waits on it for the member)."""
    title = (title or "").strip()
    detail = (detail or "").strip()
    problems = []
    if not people:
        problems.append(Problem("党员", "党员：请至少选择一名党员", "required"))
    if not title:
        problems.append(Problem("任务", "任务：不能为空", "required"))
    elif len(title) > TITLE_MAX:
        problems.append(Problem("任务", f"任务：不能超过 {TITLE_MAX} 个字", "too_long"))
    if len(detail) > TEXT_MAX:
        problems.append(Problem("要求", f"要求：不能超过 {TEXT_MAX} 个字", "too_long"))
    if due is not None and due.year < year:
        problems.append(Problem("完成期限", f"完成期限：不能早于 {year} 年", "due"))
    if problems:
        raise DomainError(problems)
    for p in people:
        _check_member(p)
    tasks = []
    with transaction.atomic():
        for p in people:
            card = open_card(person=p, year=year, acting_user=acting_user, today=today)
            task = GoalTask.objects.create(
                card=card, title=title, detail=detail, due=due, added_by=_user(acting_user)
            )
            audit.record(
                actor=acting_user,
                action="appraisal.card.task",
                obj=card,
                summary=f"{p.name} {year} 年度目标计划卡：布置任务“{title}”",
                changes={"task": task.pk, "title": title, "detail": detail, "due": due},
            )
            tasks.append(task)
    return tasks


# --- writes: quarterly self-check ------------------------------------------------------------


def check_problems(card: GoalCard, quarter: int, today: date) -> list[Problem]:
    """Why a self-check of the quarter cannot be written now (empty: it can)."""
    if quarter not in QUARTERS:
        return [Problem("季度", "季度：只能是第一至第四季度", "quarter")]
    problems = []
    if card.state != CardState.CONFIRMED:
        problems.append(
            Problem(
                "目标卡",
                f"目标卡：支部确认目标卡后才能进行季度自查（当前：{card.get_state_display()}）",
                "not_confirmed",
            )
        )
    start = quarter_start(card.year, quarter)
    if start > today:
        problems.append(
            Problem(
                "季度",
                f"季度：{card.year} 年{QUARTER_NAMES[quarter]}尚未开始（{start:%Y-%m-%d} 起），不能提前自查",
                "not_begun",
            )
        )
    return problems


def save_check(
    *,
    card: GoalCard,
    quarter: int,
    progress: dict[str, str],
    done_tasks: list[int],
    acting_user,
    submit: bool = False,
    today: date | None = None,
) -> QuarterCheck:
    """Write the self-check of a quarter: the progress of each part and each task X, the
    tasks finished. With `submit` it goes to the branch for review (every part and every
    task must have a word or, for a task, the finished tick). Editable until reviewed."""
    today = _today(today)
    problems = check_problems(card, quarter, today)
    if problems:
        raise DomainError(problems)
    tasks = {t.pk: t for t in GoalTask.objects.filter(card=card)}
    cleaned: dict[str, str] = {}
    for key, label in PARTS:
        cleaned[key] = (progress.get(key) or "").strip()
        if len(cleaned[key]) > TEXT_MAX:
            problems.append(Problem(label, f"完成情况（{label}）：不能超过 {TEXT_MAX} 个字", "too_long"))
    for pk in tasks:
        text = (progress.get(f"task:{pk}") or "").strip()
        if text:
            cleaned[f"task:{pk}"] = text
    done = sorted({int(t) for t in done_tasks if int(t) in tasks})
    if submit:
        for key, label in PARTS:
            if not cleaned[key]:
                problems.append(Problem(label, f"完成情况（{label}）：不能为空，提交前须填写", "required"))
        for pk, task in tasks.items():
            if f"task:{pk}" not in cleaned and pk not in done:
                problems.append(
                    Problem(task.title, f"完成情况（任务“{task.title}”）：请填写进展或勾选已完成", "required")
                )
    if problems:
        raise DomainError(problems)
    with transaction.atomic():
        check, _ = QuarterCheck.objects.select_for_update().get_or_create(card=card, quarter=quarter)
        if check.reviewed_at is not None:
            raise DomainError(
                f"季度自查：{QUARTER_NAMES[quarter]}自查已经支部审核，不能再修改",
                field="季度自查",
                code="reviewed",
            )
        check.progress = cleaned
        check.done_tasks = done
        if submit:
            check.submitted_at = timezone.now()
            check.submitted_by = _user(acting_user)
        check.save()
        audit.record(
            actor=acting_user,
            action="appraisal.check.submit" if submit else "appraisal.check.save",
            obj=check,
            summary=f"{card.person.name} {card.year} 年{QUARTER_NAMES[quarter]}自查："
            f"{'提交支部审核' if submit else '保存'}"
            f"{'（代填）' if card.person_id != member_person_id(acting_user) else ''}",
            changes={"progress": cleaned, "done_tasks": done},
        )
    return check


def review_check(*, check: QuarterCheck, verdict: str, comment: str, acting_user) -> QuarterCheck:
    comment = (comment or "").strip()
    card = check.card
    if card.person_id == member_person_id(acting_user):
        raise DomainError("季度自查：不能审核本人的自查，请由支部其他委员办理", field="季度自查", code="own")
    problems = []
    if verdict not in CheckVerdict.values:
        problems.append(Problem("支部评价", "支部评价：请选择 好、较好、一般 或 差", "required"))
    elif verdict in VERDICTS_NEEDING_COMMENT and not comment:
        problems.append(
            Problem(
                "支部意见", f"支部意见：评价为“{CheckVerdict(verdict).label}”时须写明改进意见", "required"
            )
        )
    if len(comment) > TEXT_MAX:
        problems.append(Problem("支部意见", f"支部意见：不能超过 {TEXT_MAX} 个字", "too_long"))
    if problems:
        raise DomainError(problems)
    with transaction.atomic():
        locked = QuarterCheck.objects.select_for_update().get(pk=check.pk)
        if locked.reviewed_at is not None:
            raise DomainError("季度自查：已经审核，审核结果不能修改", field="季度自查", code="reviewed")
        if locked.submitted_at is None:
            raise DomainError("季度自查：党员尚未提交自查，不能审核", field="季度自查", code="not_submitted")
        locked.verdict = verdict
        locked.review = comment
        locked.reviewed_at = timezone.now()
        locked.reviewed_by = _user(acting_user)
        locked.save()
        audit.record(
            actor=acting_user,
            action="appraisal.check.review",
            obj=locked,
            summary=f"{card.person.name} {card.year} 年{QUARTER_NAMES[locked.quarter]}自查：支部审核"
            f"（{CheckVerdict(verdict).label}）",
            changes={"verdict": verdict, "review": comment},
        )
    return locked
