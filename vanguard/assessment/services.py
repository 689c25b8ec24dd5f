"""Writes of the monthly assessment: a new rules version, a score entry, closing,
publishing and archiving a month, amending an archived result. Keyword-only, with the
acting user, in one transaction, with an audit row (acting_user=None: the system)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from vanguard.accounts.policy import scope_of
from vanguard.assessment import evidence as evidence_files
from vanguard.assessment import monthly, selectors
from vanguard.assessment.models import (
    Amendment,
    CloseState,
    ItemSource,
    MonthClose,
    MonthlyResult,
    ScoreEntry,
    ScoringItem,
    ScoringRules,
    YearConfirmation,
)
from vanguard.core import audit, bulk
from vanguard.core.errors import DomainError, Problem
from vanguard.core.jobs import enqueue
from vanguard.organizations.models import Organization
from vanguard.people.models import Person


def objection_days() -> int:
    return getattr(settings, "ASSESSMENT_OBJECTION_DAYS", 3)


def _user(acting_user):
    return acting_user if acting_user is not None and acting_user.is_authenticated else None


def _today() -> date:
    return timezone.localdate()


# --- rules -------------------------------------------------------------------------------

# The enterprise default (docs/decisions/0009): seed 000 leaves the numbers to the
# enterprise; these are the usual ones of a coal-mine branch's 月度考评办法.
DEFAULT_RULES = dict(
    base=Decimal(100), floor=Decimal(0), cap=Decimal(120), pass_mark=Decimal(80), penalty=Decimal(100)
)
DEFAULT_ITEMS = (
    ("三违（违章指挥、违章作业、违反劳动纪律）", Decimal(-10), Decimal(30), ItemSource.MANUAL),
    ("无故缺席“三会一课”", Decimal(-5), Decimal(20), ItemSource.MANUAL),
    ("未完成每月理论学习", Decimal(-5), Decimal(10), ItemSource.MANUAL),
    ("未按时交纳党费", Decimal(-5), Decimal(5), ItemSource.MANUAL),
    ("合理化建议被采纳", Decimal(3), Decimal(10), ItemSource.MANUAL),
    ("安全标兵、岗位能手", Decimal(5), Decimal(10), ItemSource.MANUAL),
    ("发现制止“三违”、排除隐患", Decimal(2), Decimal(10), ItemSource.MANUAL),
)
EARLIEST = date(2000, 1, 1)


@dataclass
class ItemInput:
    name: str
    points: Decimal
    monthly_limit: Decimal | None = None
    source: str = ItemSource.MANUAL


def _root_of(org: Organization) -> Organization:
    ids = org.ancestor_ids
    return Organization.objects.get(pk=ids[0]) if ids else org


def ensure_default_rules(*, organization: Organization) -> ScoringRules:
    """The enterprise's default rules, created on first use on the root of the tree,
    in force from 2000-01 so every month has rules."""
    root = _root_of(organization)
    existing = ScoringRules.objects.filter(organization=root).order_by("effective_from").first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            rules = ScoringRules.objects.create(
                organization=root,
                version=1,
                effective_from=EARLIEST,
                note="默认考评办法（系统初始）",
                **DEFAULT_RULES,
            )
            ScoringItem.objects.bulk_create(
                ScoringItem(rules=rules, name=n, points=p, monthly_limit=lim, source=s, position=i)
                for i, (n, p, lim, s) in enumerate(DEFAULT_ITEMS)
            )
    except IntegrityError:  # created meanwhile by another request
        return ScoringRules.objects.get(organization=root, version=1)
    return rules


def rules_in_force(*, branch: Organization, month: date) -> ScoringRules:
    found = selectors.rules_in_force(branch=branch, month=month)
    if found is None:
        ensure_default_rules(organization=branch)
        found = selectors.rules_in_force(branch=branch, month=month)
    return found


def _check_rules(base, floor, cap, pass_mark, penalty, items) -> list[str]:
    problems = []
    if not floor <= base <= cap:
        problems.append("基础分：应在保底分与封顶分之间")
    if not floor <= pass_mark <= cap:
        problems.append("合格线：应在保底分与封顶分之间")
    if penalty < 0:
        problems.append("处罚：不能为负数")
    if not items:
        problems.append("项目：至少一项")
    for it in items:
        if not it.name.strip():
            problems.append("项目：名称不能为空")
        if it.points == 0:
            problems.append(f"项目“{it.name}”：分值不能为 0（正数加分，负数扣分）")
        if it.monthly_limit is not None and it.monthly_limit <= 0:
            problems.append(f"项目“{it.name}”：每月上限应为正数")
    return problems


@transaction.atomic
def new_rules_version(
    *,
    organization: Organization,
    effective_from: date,
    base: Decimal,
    floor: Decimal,
    cap: Decimal,
    pass_mark: Decimal,
    penalty: Decimal,
    items: list[ItemInput],
    acting_user,
    note: str = "",
    leader_group_weight: int = 0,
    today: date | None = None,
) -> ScoringRules:
    """A new version of an organisation's rules, in force from a month that has not
    begun to be closed: from this month on (months already scored keep their version)."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if acting_user is not None and not selectors.may_set_rules(acting_user, organization):
        raise DomainError(
            "考评办法：须由组织部（全企业）或本组织在其范围内制定", field="考评办法", code="forbidden"
        )
    if organization.kind not in ("committee", "general_branch", "branch"):
        raise DomainError("组织：党小组不能制定考评办法", field="组织", code="kind")
    effective_from = monthly.month_of(effective_from)
    this_month = monthly.month_of(today or _today())
    problems = _check_rules(base, floor, cap, pass_mark, penalty, items)
    if not 0 <= leader_group_weight <= 100:
        problems.append("党小组长考核权重：应在 0 至 100 之间")
    if effective_from < this_month:
        problems.append(f"起用月份：不能早于本月（{this_month:%Y-%m}），已过去的月份按当时的版本计分")
    latest = ScoringRules.objects.filter(organization=organization).order_by("-version").first()
    if latest and effective_from <= latest.effective_from:
        problems.append(f"起用月份：应晚于上一版本的起用月份（{latest.effective_from:%Y-%m}）")
    if MonthClose.objects.filter(
        branch__path__startswith=organization.path, month__gte=effective_from
    ).exists():
        problems.append("起用月份：该月已有党支部结算，不能再改用新版本")
    elif ScoreEntry.objects.filter(
        branch__path__startswith=organization.path, month__gte=effective_from
    ).exists():
        # Entries name the items of the version in force when they were recorded.
        problems.append("起用月份：该月已有考评记录，请从下个月起用新版本")
    if problems:
        raise DomainError([Problem("考评办法", p, "invalid") for p in problems])
    rules = ScoringRules.objects.create(
        organization=organization,
        version=(latest.version + 1) if latest else 1,
        effective_from=effective_from,
        base=base,
        floor=floor,
        cap=cap,
        pass_mark=pass_mark,
        penalty=penalty,
        leader_group_weight=leader_group_weight,
        note=note,
        created_by=_user(acting_user),
    )
    ScoringItem.objects.bulk_create(
        ScoringItem(
            rules=rules,
            name=it.name.strip(),
            points=it.points,
            monthly_limit=it.monthly_limit,
            source=it.source,
            position=i,
        )
        for i, it in enumerate(items)
    )
    audit.record(
        actor=acting_user,
        action="assessment.rules",
        obj=rules,
        summary=f"{organization.name} 制定考评办法第 {rules.version} 版（{effective_from:%Y-%m} 起）",
    )
    return rules


# --- entries -----------------------------------------------------------------------------


@transaction.atomic
def record_entry(
    *,
    person: Person,
    item: ScoringItem,
    on: date,
    points: Decimal | None = None,
    evidence: str = "",
    acting_user,
    source: str = ItemSource.MANUAL,
    source_key: str = "",
    today: date | None = None,
    attachment: UploadedFile | None = None,
) -> ScoreEntry:
    """One entry for one member. Providers of automatic items call this same service
    with their `source` and `source_key` (acting_user=None), so the checks are one.
    `attachment`: a photo or file as evidence (`evidence.py` says which, by content);
    kept under MEDIA_ROOT with a random name, written only once every check passed."""
    person = Person.objects.select_related("branch").get(pk=person.pk)
    if acting_user is not None and not scope_of(acting_user).allows_person("assessment.record", person):
        raise DomainError("党员：不在您的管理范围内", field="党员", code="forbidden")
    if not person.is_member or person.status != "active" or person.branch is None:
        raise DomainError(f"党员：{person.name} 不是本支部在册党员", field="党员", code="member")
    month = monthly.month_of(on)
    if on > (today or _today()):
        raise DomainError("日期：不能晚于今天", field="日期", code="future")
    close = MonthClose.objects.select_for_update().filter(branch=person.branch, month=month).first()
    if close and close.state != CloseState.DRAFT:
        raise DomainError(f"日期：{month:%Y-%m} 已通报，不能再记录", field="日期", code="closed")
    rules = rules_in_force(branch=person.branch, month=month)
    pure = selectors.pure_rules(rules)
    points = item.points if points is None else Decimal(points)
    try:
        monthly.check_entry(pure, item.pk, points)
    except monthly.InvalidEntry as e:
        raise DomainError(e.message, field="考评项目", code=e.code) from None
    if source != item.source:
        raise DomainError(
            f"考评项目：“{item.name}”由{item.get_source_display()}产生", field="考评项目", code="source"
        )
    kind = _checked_attachment(attachment) if attachment is not None else None
    entry = ScoreEntry(
        person=person,
        branch=person.branch,
        item=item,
        month=month,
        on=on,
        points=points,
        evidence=evidence,
        source=source,
        source_key=source_key,
        recorded_by=_user(acting_user),
    )
    if kind is None:
        entry.save()
    else:
        entry.attachment_name = evidence_files.display_name(attachment.name, kind)
        entry.attachment_type = kind.content_type
        entry.attachment_size = attachment.size
        entry.attachment.save(f"evidence{kind.extension}", attachment, save=False)
        try:
            entry.save()
        except BaseException:
            entry.attachment.delete(save=False)  # no file without its entry
            raise
    audit.record(
        actor=acting_user,
        action="assessment.entry",
        obj=entry,
        summary=f"{person.name} {on:%Y-%m-%d} {item.name} {points}",
    )
    return entry


def _checked_attachment(attachment: UploadedFile) -> evidence_files.Kind:
    limit = getattr(settings, "ASSESSMENT_EVIDENCE_MAX_BYTES", evidence_files.MAX_BYTES)
    size = attachment.size or 0
    kind = evidence_files.identify(attachment) if 0 < size <= limit else None  # too big: not opened
    name = evidence_files.base_name(attachment.name or "") or "附件"
    problems = evidence_files.problems(name=name, size=size, kind=kind, max_bytes=limit)
    if problems:
        raise DomainError([Problem("附件", p, "attachment") for p in problems])
    return kind


# --- automatic items ------------------------------------------------------------------------
# Later modules (meetings, study, safety) register a provider for their source; closing a
# month asks every provider for the month's facts and records them through
# `record_entry`, with the same checks as a hand-written entry. The engine (monthly.py,
# close_month) never changes: an automatic item is an item whose `source` is not manual.


@dataclass(frozen=True)
class ProvidedEntry:
    person_id: int
    on: date
    points: Decimal | None  # None: the item's usual points
    evidence: str
    key: str  # the provider's id of the fact; recording it twice is a no-op


Provider = Callable[[Organization, date], Iterable[ProvidedEntry]]
PROVIDERS: dict[str, Provider] = {}


def register_provider(source: str, provider: Provider) -> None:
    if source == ItemSource.MANUAL:
        raise ValueError("manual entries have no provider")
    PROVIDERS[source] = provider


def collect_automatic(*, branch: Organization, month: date, today: date | None = None) -> int:
    """Records the providers' facts of the month for the branch; returns how many were new."""
    if not PROVIDERS:
        return 0
    rules = rules_in_force(branch=branch, month=month)
    by_source = {it.source: it for it in rules.items.all() if it.source != ItemSource.MANUAL}
    added = 0
    for source, provider in PROVIDERS.items():
        item = by_source.get(source)
        if item is None:  # these rules do not score that source
            continue
        for fact in provider(branch, month):
            if ScoreEntry.objects.filter(
                person_id=fact.person_id, item=item, source=source, source_key=fact.key
            ).exists():
                continue
            record_entry(
                person=Person(pk=fact.person_id),
                item=item,
                on=fact.on,
                points=fact.points,
                evidence=fact.evidence,
                acting_user=None,
                source=source,
                source_key=fact.key,
                today=today,
            )
            added += 1
    return added


# --- closing -----------------------------------------------------------------------------


def _scope_check(acting_user, branch: Organization, action: str) -> None:
    if acting_user is not None and not scope_of(acting_user).allows_org(action, branch):
        raise DomainError("党支部：不在您的管理范围内", field="党支部", code="forbidden")


def request_close(*, branch: Organization, month: date, acting_user) -> MonthClose:
    """Closing is background work (Celery in production, in-process by default)."""
    from vanguard.assessment.tasks import close_month_task

    _scope_check(acting_user, branch, "assessment.close")
    month = monthly.month_of(month)
    if month > monthly.month_of(_today()):
        raise DomainError("月份：尚未开始，不能结算", field="月份", code="future")
    close = _close_row(branch, month)
    if close.state != CloseState.DRAFT:
        raise DomainError(
            f"月份：{month:%Y-%m} {close.get_state_display()}，不能重新结算", field="月份", code="closed"
        )
    enqueue(close_month_task, branch.pk, month.isoformat(), getattr(_user(acting_user), "pk", None))
    return close


def _close_row(branch: Organization, month: date) -> MonthClose:
    try:
        with transaction.atomic():
            return MonthClose.objects.get_or_create(branch=branch, month=month)[0]
    except IntegrityError:
        return MonthClose.objects.get(branch=branch, month=month)


def close_month(*, branch: Organization, month: date, acting_user, today: date | None = None) -> MonthClose:
    """Every member of the branch gets a result for the month. Idempotent: while the
    close is a draft, closing again recomputes the one set of results (entries recorded
    since count); once published it is refused. The MonthClose row is locked, so two
    closes at once run one after the other and leave one set."""
    closed = close_months(branches=[branch], month=month, acting_user=acting_user, today=today)[branch.pk]
    if closed.refused:
        raise DomainError(closed.refused, field="月份", code="closed")
    return closed.close


@dataclass(frozen=True)
class Closed:
    """What closing did to one branch of a run: its close and how many members got a
    result, or why it was left as it was (published or archived)."""

    close: MonthClose
    members: int = 0
    refused: str = ""


@transaction.atomic
def close_months(
    *, branches: Sequence[Organization], month: date, acting_user, today: date | None = None
) -> dict[int, Closed]:
    """Closes the month of a run of branches in one transaction, in a fixed number of
    statements whatever the run's size (decision 0011): the close rows (INSERT … ON
    CONFLICT DO NOTHING) locked in branch order, the rules in force of every branch, the
    members with their entries, the old results of re-closed drafts, one insert of every
    result, one update of the closes, one insert of their audit rows. A branch already
    published or archived is left untouched and reported (`Closed.refused`). The run is
    whole or nothing: a worker killed inside it leaves every branch of the run as it was."""
    for branch in branches:
        _scope_check(acting_user, branch, "assessment.close")
    month = monthly.month_of(month)
    if month > monthly.month_of(today or _today()):
        raise DomainError("月份：尚未开始，不能结算", field="月份", code="future")
    branches = sorted({b.pk: b for b in branches}.values(), key=lambda b: b.pk)
    ids = [b.pk for b in branches]
    MonthClose.objects.bulk_create(
        [MonthClose(branch_id=pk, month=month) for pk in ids], ignore_conflicts=True
    )
    closes = {
        c.branch_id: c
        for c in MonthClose.objects.select_for_update()
        .filter(branch_id__in=ids, month=month)
        .order_by("branch_id")
    }
    outcome: dict[int, Closed] = {}
    open_branches = []
    for branch in branches:
        close = closes[branch.pk]
        if close.state != CloseState.DRAFT:
            outcome[branch.pk] = Closed(
                close, refused=f"月份：{month:%Y-%m} {close.get_state_display()}，不能重新结算"
            )
        else:
            open_branches.append(branch)
    if not open_branches:
        return outcome
    for branch in open_branches:
        collect_automatic(branch=branch, month=month, today=today)
    in_force = selectors.rules_in_force_for(open_branches, month)
    missing = [b for b in open_branches if b.pk not in in_force]
    if missing:  # a tree without rules yet: its default, then read again
        for branch in missing:
            ensure_default_rules(organization=branch)
        in_force = selectors.rules_in_force_for(open_branches, month)
    pure = {r.pk: selectors.pure_rules(r) for r in in_force.values()}
    members = selectors.members_with_entries(open_branches, month)
    leaders = (
        selectors.group_leaders(b.pk for b in open_branches if in_force[b.pk].leader_group_weight)
        if any(r.leader_group_weight for r in in_force.values())
        else {}
    )
    again = [closes[b.pk].pk for b in open_branches if closes[b.pk].closed_at is not None]
    if again:  # closed before (results are only written with closed_at)
        MonthlyResult.objects.filter(close_id__in=again).delete()
    rows = []
    for branch in open_branches:
        rules = in_force[branch.pk]
        found = _result_rows(closes[branch.pk], rules, pure[rules.pk], members[branch.pk], leaders)
        rows += found
        outcome[branch.pk] = Closed(closes[branch.pk], members=len(found))
    now, user = timezone.now(), _user(acting_user)
    bulk.insert_rows(MonthlyResult, rows, now=now)  # COPY on PostgreSQL (decision 0011)
    done = [outcome[b.pk].close for b in open_branches]
    MonthClose.objects.filter(pk__in=[c.pk for c in done]).update(
        closed_at=now, closed_by=user, updated_at=now
    )
    for close in done:
        close.closed_at, close.closed_by, close.updated_at = now, user, now
    audit.record_many(
        actor=acting_user,
        action="assessment.close",
        entries=[
            (outcome[b.pk].close, f"{b.name} {month:%Y-%m} 月度考评结算（{outcome[b.pk].members} 人）")
            for b in open_branches
        ],
    )
    return outcome


def _result_rows(
    close: MonthClose, rules: ScoringRules, pure, members, leaders: dict[int, int]
) -> list[dict]:
    """The result rows of one branch's members ((member, entries) pairs): scored by
    `monthly.score_month`, group leaders blended, ranked in the branch and the group."""
    scored = [(p, monthly.score_month(pure, entries)) for p, entries in members]
    finals = _with_leaders(rules, pure, scored, leaders)
    ranks = monthly.rank_branch([(p.pk, p.group_id, finals[p.pk][0]) for p, _ in scored])
    return [
        {
            "close": close.pk,
            "person": p.pk,
            "month": close.month,
            "group": p.group_id,
            "rules": rules.pk,
            "score": finals[p.pk][0],
            "group_rank": ranks[p.pk].group_rank,
            "branch_rank": ranks[p.pk].branch_rank,
            "qualified": finals[p.pk][1],
            "penalty": finals[p.pk][2],
            "explanation": finals[p.pk][3],
        }
        for p, _ in scored
    ]


def _with_leaders(rules, pure, scored, leaders: dict[int, int]) -> dict[int, tuple]:
    """(score, qualified, penalty, explanation) per member of one branch: a group leader's
    score blends in the mean of the group's other members (`monthly.leader_score`,
    decision 0009). `leaders`: {person id: group id} (`selectors.group_leaders`)."""
    finals = {p.pk: (s.score, s.qualified, s.penalty, s.explain(pure)) for p, s in scored}
    weight = rules.leader_group_weight
    if not weight:
        return finals
    by_group: dict[int, list] = {}
    for p, s in scored:
        if p.group_id is not None:
            by_group.setdefault(p.group_id, []).append((p.pk, s.score))
    for p, s in scored:
        group_id = leaders.get(p.pk)
        if group_id is None:
            continue
        others = [score for pk, score in by_group.get(group_id, ()) if pk != p.pk]
        lead = monthly.leader_score(s.score, others, weight)
        if lead.group_mean is None:
            continue
        qualified = lead.score >= pure.pass_mark
        explanation = [*s.explain(pure)[:-1], *lead.explain()]
        verdict = "合格" if qualified else f"不合格（合格线 {pure.pass_mark}），处罚 {pure.penalty} 元"
        explanation.append(f"得分 {lead.score}，{verdict}")
        finals[p.pk] = (lead.score, qualified, Decimal(0) if qualified else pure.penalty, explanation)
    return finals


@transaction.atomic
def publish(*, close: MonthClose, acting_user, today: date | None = None) -> MonthClose:
    close = MonthClose.objects.select_for_update().select_related("branch").get(pk=close.pk)
    _scope_check(acting_user, close.branch, "assessment.close")
    if close.state != CloseState.DRAFT or close.closed_at is None:
        raise DomainError("结算：只有已结算的草稿可以通报", field="结算", code="state")
    today = today or _today()
    close.state = CloseState.PUBLISHED
    close.published_on = today
    close.objection_until = today + timedelta(days=objection_days())
    close.save()
    audit.record(
        actor=acting_user,
        action="assessment.publish",
        obj=close,
        summary=f"{close.branch.name} {close.month:%Y-%m} 考评结果通报",
    )
    return close


@transaction.atomic
def archive(*, close: MonthClose, acting_user, today: date | None = None) -> MonthClose:
    close = MonthClose.objects.select_for_update().select_related("branch").get(pk=close.pk)
    _scope_check(acting_user, close.branch, "assessment.close")
    today = today or _today()
    if close.state != CloseState.PUBLISHED:
        raise DomainError("结算：只有已通报的结果可以归档", field="结算", code="state")
    if today <= close.objection_until:
        raise DomainError(
            f"结算：异议期至 {close.objection_until:%Y-%m-%d}，期满后才能归档", field="结算", code="objection"
        )
    close.state = CloseState.ARCHIVED
    close.archived_on = today
    close.save()
    audit.record(
        actor=acting_user,
        action="assessment.archive",
        obj=close,
        summary=f"{close.branch.name} {close.month:%Y-%m} 考评结果归档",
    )
    return close


@transaction.atomic
def amend(*, result: MonthlyResult, score: Decimal, reason: str, acting_user) -> Amendment:
    """A correction of an archived result by a higher role (the party committee above
    the branch, or the organisation department), with its reason; both stay visible."""
    result = MonthlyResult.objects.select_related("close__branch", "rules", "person").get(pk=result.pk)
    branch = result.close.branch
    if acting_user is not None and not selectors.may_amend(acting_user, branch):
        raise DomainError("更正：须由上级党委或组织部办理", field="更正", code="forbidden")
    if result.close.state != CloseState.ARCHIVED:
        raise DomainError("更正：结果尚未归档，请重新结算", field="更正", code="state")
    if not reason.strip():
        raise DomainError("更正原因：不能为空", field="更正原因", code="required")
    rules = result.rules
    score = Decimal(score)
    if not rules.floor <= score <= rules.cap:
        raise DomainError(f"得分：应在 {rules.floor} 至 {rules.cap} 之间", field="得分", code="range")
    qualified = score >= rules.pass_mark
    amendment = Amendment.objects.create(
        result=result,
        score=score,
        qualified=qualified,
        penalty=Decimal(0) if qualified else rules.penalty,
        reason=reason.strip(),
        by=_user(acting_user),
    )
    audit.record(
        actor=acting_user,
        action="assessment.amend",
        obj=amendment,
        summary=f"{result.person.name} {result.month:%Y-%m} 得分 {result.score} 更正为 {score}：{reason.strip()}",
    )
    return amendment


# --- the year (issue 4 point 5) ----------------------------------------------------------------


@transaction.atomic
def confirm_shortlist(*, branch: Organization, year: int, acting_user, note: str = "") -> YearConfirmation:
    """The branch confirms the shortlist for the yearly excellent-member selection as
    computed now from the archive. The row is read-only; confirming again adds a row."""
    _scope_check(acting_user, branch, "assessment.close")
    branch = Organization.objects.select_for_update().get(pk=branch.pk)
    months, listed = selectors.year_shortlist(branch, year)
    if not months:
        raise DomainError(f"年度：{year} 年尚无归档的月份，无法确认推荐名单", field="年度", code="empty")
    confirmation = YearConfirmation.objects.create(
        branch=branch,
        year=year,
        months=[f"{m:%Y-%m}" for m in months],
        shortlist=[
            {"person_id": p.pk, "name": p.name, "total": str(s.total), "rank": s.rank} for s, p in listed
        ],
        note=note.strip(),
        by=_user(acting_user),
    )
    audit.record(
        actor=acting_user,
        action="assessment.year_confirm",
        obj=confirmation,
        summary=f"{branch.name} 确认 {year} 年度优秀党员推荐名单（{len(listed)} 人，依据 {len(months)} 个归档月份）",
    )
    return confirmation
