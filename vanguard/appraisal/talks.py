"""挂旗 — the talks with members flagged yellow or below (seed 004: 对掛黃旗以下的黨員進行
談話,指出存在問題,使其認識到自己在發揮帶頭作用上存在的不足,幫助其在工作中及時轉變方法;
issue 4 point 9): writes and reads.

The life of a talk (docs/decisions/0014):

    open (待谈话) ──record_talk──▶ talked (已谈话，跟踪整改) ──close_talk──▶ closed (已销号)
                                         │  ▲
                                         └──┘ add_follow_up

- `create_talks_for` makes one talk per result at yellow, blue or grey, assigned to the
  branch secretary, due TALK_DAYS after the publication. The cycles part calls it when
  a cycle is published; calling it again creates nothing twice.
- The branch secretary (appraisal.manage on the branch) may hand a talk to a member of
  the branch committee; the assignee or any appraisal.record role of the branch records
  it; every entry (talk, follow-up, close) is a `TalkEntry`, which refuses changes.
- A closed talk takes nothing more.

Every write is keyword-only, takes `acting_user`, runs in one transaction and writes an
audit row; bad input raises `DomainError` with a Chinese message naming the field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from vanguard.accounts.models import Post, Role, User
from vanguard.accounts.policy import member_person_id, scope_of
from vanguard.appraisal.models import Cycle, CycleResult, Flag, Talk, TalkEntry, TalkEntryKind, TalkState
from vanguard.core import audit
from vanguard.core.errors import DomainError, NotFoundOrForbidden, Problem

# Seed 004 says "对挂黄旗以下的党员进行谈话": yellow and every flag below it.
TALK_FLAGS = (Flag.YELLOW, Flag.BLUE, Flag.GREY)
# A month to hold the talk after the board is published (docs/decisions/0014).
TALK_DAYS = 30
# Who may hold a talk: the branch committee (seed 004: 党支部书记或指定的支委).
TALKER_ROLES = (Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE_MEMBER)
MAX_TEXT = 2000


def _today() -> date:
    return timezone.localdate()


# --- creating the tasks ---------------------------------------------------------------------


def create_talks_for(*, cycle: Cycle, branch=None, acting_user, today: date | None = None) -> int:
    """Create the talk tasks of a published cycle: one `Talk` for every `CycleResult` at
    yellow or below (of `branch` only, when given) that has none yet. Each is assigned to
    the user holding the active BRANCH_SECRETARY post of the member's branch (nobody when
    the post is vacant — the branch page shows it unassigned) and due TALK_DAYS after the
    cycle's `published_on` (today when unset). Idempotent; returns how many were created.

    Call it inside or after the transaction that publishes the cycle; it writes one audit
    row per call that created something."""
    results = CycleResult.objects.filter(cycle=cycle, flag__in=TALK_FLAGS, talk__isnull=True)
    if branch is not None:
        results = results.filter(branch=branch)
    with transaction.atomic():
        pending = list(results.select_for_update(of=("self",)).only("id", "person_id", "branch_id"))
        if not pending:
            return 0
        branch_ids = {r.branch_id for r in pending}
        secretaries = dict(
            Post.objects.filter(
                role=Role.BRANCH_SECRETARY, organization_id__in=branch_ids, ended_on__isnull=True
            )
            .order_by("id")  # the latest post wins in dict()
            .values_list("organization_id", "user_id")
        )
        due = (cycle.published_on or today or _today()) + timedelta(days=TALK_DAYS)
        Talk.objects.bulk_create(
            [
                Talk(
                    result_id=r.pk,
                    person_id=r.person_id,
                    branch_id=r.branch_id,
                    assignee_id=secretaries.get(r.branch_id),
                    due=due,
                )
                for r in pending
            ],
            ignore_conflicts=True,  # a concurrent call made it already: one talk per result
        )
        audit.record(
            actor=acting_user,
            action="appraisal.talks_created",
            obj=cycle,
            summary=f"{cycle}：为 {len(pending)} 名挂黄旗及以下的党员生成谈话任务",
            changes={"count": len(pending), "branch": branch.pk if branch is not None else None},
        )
    return len(pending)


# --- who may do what ------------------------------------------------------------------------


def _talks_q(user, action: str) -> Q:
    """Talks of the branches where the user holds `action`; a group leader (appraisal.view
    on their group) sees the talks of their group's members."""
    scope = scope_of(user)
    q = scope.orgs_q(action, prefix="branch__")
    groups = [g.org_id for g in scope.grants_for(action) if g.role == Role.GROUP_LEADER]
    if groups:
        q |= Q(person__group_id__in=groups)
    if action == "appraisal.record":
        q |= Q(assignee_id=user.pk)
    return q


def may_record(user, talk: Talk) -> bool:
    """The assignee, or any appraisal.record role of the talk's branch."""
    return talk.assignee_id == user.pk or scope_of(user).allows_org("appraisal.record", talk.branch)


def may_reassign(user, talk: Talk) -> bool:
    """The branch secretary, or a committee above (appraisal.manage on the branch)."""
    return scope_of(user).allows_org("appraisal.manage", talk.branch)


def talkers(branch) -> QuerySet[User]:
    """The users who may be given a talk of `branch`: its secretary and committee members."""
    return (
        User.objects.filter(
            posts__organization=branch, posts__role__in=TALKER_ROLES, posts__ended_on__isnull=True
        )
        .distinct()
        .order_by("display_name", "username")
    )


# --- writes ---------------------------------------------------------------------------------


def _locked(talk: Talk) -> Talk:
    return (
        Talk.objects.select_for_update(of=("self",))
        .select_related("branch", "person", "result__cycle")
        .get(pk=talk.pk)
    )


def _text(value: str | None, label: str, problems: list[Problem], *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        problems.append(Problem(label, f"{label}：必须填写", "required"))
    elif len(text) > MAX_TEXT:
        problems.append(Problem(label, f"{label}：不能超过 {MAX_TEXT} 字", "too_long"))
    return text


def _date(
    on: date | None, problems: list[Problem], *, today: date, after: date | None, after_what: str
) -> None:
    if on is None:
        problems.append(Problem("日期", "日期：必须填写，格式如 2026-03-15", "required"))
        return
    if on > today:
        problems.append(Problem("日期", "日期：不能晚于今天", "future"))
    if after is not None and on < after:
        problems.append(Problem("日期", f"日期：不能早于{after_what}（{after:%Y-%m-%d}）", "too_early"))


def _check_open(talk: Talk, *, allowed: tuple[str, ...], doing: str) -> None:
    if talk.state == TalkState.CLOSED:
        raise DomainError("状态：谈话任务已销号，不能再记录", field="状态", code="closed")
    if talk.state not in allowed:
        raise DomainError(
            f"状态：谈话任务“{talk.get_state_display()}”，不能{doing}", field="状态", code="state"
        )


def _check_recorder(talk: Talk, acting_user) -> None:
    if not may_record(acting_user, talk):
        raise DomainError(
            "谈话人：只有本支部书记、支部委员或被指派的谈话人可以记录", field="谈话人", code="forbidden"
        )


def _last_on(talk: Talk) -> date | None:
    return talk.entries.order_by("-on", "-id").values_list("on", flat=True).first()


def reassign(*, talk: Talk, assignee: User | None, acting_user) -> Talk:
    """Hand the talk to the branch secretary or a member of the branch committee."""
    with transaction.atomic():
        talk = _locked(talk)
        _check_open(talk, allowed=(TalkState.OPEN, TalkState.TALKED), doing="改派")
        if not may_reassign(acting_user, talk):
            raise DomainError("谈话人：只有党支部书记可以指派谈话人", field="谈话人", code="forbidden")
        if assignee is None:
            raise DomainError("谈话人：请选择谈话人", field="谈话人", code="required")
        if not talkers(talk.branch).filter(pk=assignee.pk).exists():
            raise DomainError(
                f"谈话人：{assignee} 不是{talk.branch.name}的书记或支部委员",
                field="谈话人",
                code="not_talker",
            )
        before = talk.assignee_id
        talk.assignee = assignee
        talk.save(update_fields=["assignee", "updated_at"])
        audit.record(
            actor=acting_user,
            action="appraisal.talk_assigned",
            obj=talk,
            summary=f"{talk.person.name} 的谈话任务指派给 {assignee}",
            changes={"assignee": [before, assignee.pk]},
        )
    return talk


def record_talk(
    *,
    talk: Talk,
    on: date | None,
    pointed_out: str,
    will_change: str,
    acting_user,
    today: date | None = None,
) -> TalkEntry:
    """Record the talk: its date (not after today, not before the board was published),
    what was pointed out and what the member will change — both required."""
    today = today or _today()
    with transaction.atomic():
        talk = _locked(talk)
        _check_open(talk, allowed=(TalkState.OPEN,), doing="再次记录谈话（请记录跟踪回访）")
        _check_recorder(talk, acting_user)
        problems: list[Problem] = []
        _date(on, problems, today=today, after=talk.result.cycle.published_on, after_what="考核结果公示日期")
        pointed_out = _text(pointed_out, "指出的问题", problems)
        will_change = _text(will_change, "整改措施", problems)
        if problems:
            raise DomainError(problems)
        entry = TalkEntry.objects.create(
            talk=talk,
            kind=TalkEntryKind.TALK,
            on=on,
            talker=acting_user,
            pointed_out=pointed_out,
            will_change=will_change,
        )
        talk.state = TalkState.TALKED
        talk.save(update_fields=["state", "updated_at"])
        audit.record(
            actor=acting_user,
            action="appraisal.talk_recorded",
            obj=talk,
            summary=f"{on:%Y-%m-%d} 与 {talk.person.name} 谈话",
            changes={"entry": entry.pk, "state": [TalkState.OPEN, TalkState.TALKED]},
        )
    return entry


def add_follow_up(
    *, talk: Talk, on: date | None, note: str, acting_user, today: date | None = None
) -> TalkEntry:
    """A follow-up after the talk: its date (not after today, not before the last entry)
    and what was seen."""
    today = today or _today()
    with transaction.atomic():
        talk = _locked(talk)
        _check_open(talk, allowed=(TalkState.TALKED,), doing="跟踪回访（请先记录谈话）")
        _check_recorder(talk, acting_user)
        problems: list[Problem] = []
        _date(on, problems, today=today, after=_last_on(talk), after_what="上一次记录")
        note = _text(note, "情况记录", problems)
        if problems:
            raise DomainError(problems)
        entry = TalkEntry.objects.create(
            talk=talk, kind=TalkEntryKind.FOLLOW_UP, on=on, talker=acting_user, note=note
        )
        talk.save(update_fields=["updated_at"])
        audit.record(
            actor=acting_user,
            action="appraisal.talk_followed_up",
            obj=talk,
            summary=f"{on:%Y-%m-%d} 跟踪回访 {talk.person.name}",
            changes={"entry": entry.pk},
        )
    return entry


def close_talk(
    *, talk: Talk, on: date | None, note: str, acting_user, today: date | None = None
) -> TalkEntry:
    """销号: the member has changed; the talk is closed and takes nothing more."""
    today = today or _today()
    with transaction.atomic():
        talk = _locked(talk)
        _check_open(talk, allowed=(TalkState.TALKED,), doing="销号（请先记录谈话）")
        _check_recorder(talk, acting_user)
        problems: list[Problem] = []
        _date(on, problems, today=today, after=_last_on(talk), after_what="上一次记录")
        note = _text(note, "销号意见", problems)
        if problems:
            raise DomainError(problems)
        entry = TalkEntry.objects.create(
            talk=talk, kind=TalkEntryKind.CLOSE, on=on, talker=acting_user, note=note
        )
        talk.state = TalkState.CLOSED
        talk.closed_at = timezone.now()
        talk.closed_by = acting_user
        talk.save(update_fields=["state", "closed_at", "closed_by", "updated_at"])
        audit.record(
            actor=acting_user,
            action="appraisal.talk_closed",
            obj=talk,
            summary=f"{talk.person.name} 的谈话任务销号",
            changes={"entry": entry.pk, "state": [TalkState.TALKED, TalkState.CLOSED]},
        )
    return entry


# --- reads ----------------------------------------------------------------------------------


def visible_talks(user, action: str = "appraisal.view") -> QuerySet[Talk]:
    return Talk.objects.filter(_talks_q(user, action))


def talk_list(user, *, branch_id: int | None = None, state: str = "") -> QuerySet[Talk]:
    """The talks the user sees, open ones first, then by due date: one query with what a
    list row shows (member, flag, score, cycle, assignee)."""
    qs = visible_talks(user).select_related("person", "assignee", "branch", "result__cycle")
    if branch_id is not None:
        qs = qs.filter(branch_id=branch_id)
    if state in TalkState.values:
        qs = qs.filter(state=state)
    return qs.order_by("state", "due", "result__score", "person__name", "pk")


def find_talk(user, talk_id, action: str = "appraisal.view") -> Talk:
    """A talk inside the user's scope for `action`; NotFoundOrForbidden otherwise (404)."""
    try:
        return (
            visible_talks(user, action)
            .select_related("person", "assignee", "branch", "result__cycle__organization", "closed_by")
            .get(pk=int(talk_id))
        )
    except (Talk.DoesNotExist, TypeError, ValueError):
        raise NotFoundOrForbidden from None


def entries(talk: Talk) -> list[TalkEntry]:
    return list(talk.entries.select_related("talker").order_by("on", "id"))


def is_overdue(talk: Talk, today: date | None = None) -> bool:
    return talk.state == TalkState.OPEN and talk.due is not None and talk.due < (today or _today())


def assigned_to(user) -> QuerySet[Talk]:
    """The talks the user still has to hold or follow up (the home page's to-do)."""
    return (
        Talk.objects.filter(assignee_id=user.pk)
        .exclude(state=TalkState.CLOSED)
        .select_related("person", "branch", "result__cycle")
        .order_by("state", "due", "pk")
    )


@dataclass(frozen=True)
class OwnTalk:
    """What a member sees of their own talk: the cycle, the state, the talk's date, what
    was pointed out and what they committed to — not the follow-up notes, not who wrote
    them (docs/decisions/0014)."""

    cycle: str
    flag: str
    flag_label: str
    state: str
    state_label: str
    on: date | None
    pointed_out: str
    will_change: str


def own_talks(user) -> list[OwnTalk]:
    """The talks about the user's own person record, newest cycle first."""
    person_id = member_person_id(user)
    if person_id is None:
        return []
    talks = list(
        Talk.objects.filter(person_id=person_id)
        .select_related("result__cycle")
        .order_by("-result__cycle__year", "-result__cycle__quarter", "-pk")
    )
    records = {
        e.talk_id: e
        for e in TalkEntry.objects.filter(talk__in=talks, kind=TalkEntryKind.TALK).only(
            "talk_id", "on", "pointed_out", "will_change"
        )
    }
    out = []
    for t in talks:
        e = records.get(t.pk)
        out.append(
            OwnTalk(
                cycle=str(t.result.cycle),
                flag=t.result.flag,
                flag_label=t.result.get_flag_display(),
                state=t.state,
                state_label=t.get_state_display(),
                on=e.on if e else None,
                pointed_out=e.pointed_out if e else "",
                will_change=e.will_change if e else "",
            )
        )
    return out
