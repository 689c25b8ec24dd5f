"""A year of assessment in the demo branch (the one `branch_secretary` runs), written
through the same services a branch secretary's clicks go through — so every record obeys
the rules and leaves its audit row, as the demo accounts' own work:

- 月度考评: score entries in the last three months and this one; the oldest two months
  closed, published and archived, last month closed and published, this month open;
- 填卡: this year's goal cards, confirmed, with a task X for a few members and the
  self-checks of the quarters begun, reviewed by the branch;
- 评分 · 挂旗: last year's appraisal of the branch with every member scored by the four
  sources, closed and published on the flag board, talk tasks for yellow and below,
  one talk already recorded; and this year's cycle open with the committee's scores
  half typed in, so the grid has something to show."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from vanguard.accounts.models import User
from vanguard.appraisal import cards, cycles, talks
from vanguard.appraisal import rubric as rubric_module
from vanguard.appraisal.models import CycleKind, Evaluation, Source
from vanguard.assessment import monthly, services
from vanguard.assessment.models import ItemSource
from vanguard.organizations.models import Organization
from vanguard.people.models import MEMBER_STATUSES, Person

PARTS = {
    "goals": "全年安全无“三违”，所在班组完成生产任务，个人技能等级提升一级",
    "measures": "每班开工前讲安全，带头执行手指口述，跟班检查隐患不少于每周两次",
    "commitments": "亮身份、作表率：最险的活我先上，最难的问题我来解决",
    "study": "每月理论学习不少于一天，参加支部“学习强国”答题和技术比武",
    "contact": "联系本班组 3 名职工，每月谈心一次，帮助解决生活和技能困难",
}
PROGRESS = "按计划推进，本季度完成情况良好"
TASKS = ("带好一名新工人（师带徒）", "参与本区队隐患排查“回头看”")


def _month_back(day: date, n: int) -> date:
    """The first day of the month n months before `day`'s (n < 0: after it)."""
    y, m = divmod(day.year * 12 + day.month - 1 - n, 12)
    return date(y, m + 1, 1)


def _month_days(month: date, last: date) -> list[date]:
    end = _month_back(month, -1) - timedelta(days=1)
    end = min(end, last)
    return [month + timedelta(days=d) for d in range((end - month).days + 1)]


def seed_activity(*, branch: Organization, today: date, seed: int) -> None:
    rng = random.Random(seed)
    secretary = User.objects.get(username="branch_secretary")
    committee = User.objects.get(username="branch_committee")
    members = list(
        Person.objects.filter(branch=branch, political_status__in=MEMBER_STATUSES, status="active").order_by(
            "pk"
        )
    )
    _monthly(branch, members, secretary, today, rng)
    _cards(members, secretary, committee, today)
    _appraisal(branch, members, secretary, committee, today, rng)


def _monthly(branch, members, secretary, today, rng) -> None:
    rules = services.rules_in_force(branch=branch, month=today)
    items = [it for it in rules.items.all() if it.source == ItemSource.MANUAL]
    this_month = monthly.month_of(today)
    for back in (3, 2, 1, 0):
        month = _month_back(this_month, back)
        days = _month_days(month, today)
        for person in rng.sample(members, k=max(1, len(members) * 2 // 5)):
            for item in rng.sample(items, k=rng.choice((1, 1, 2))):
                services.record_entry(
                    person=person,
                    item=item,
                    on=rng.choice(days),
                    evidence="班前会记录" if item.points > 0 else "安全检查通报",
                    acting_user=secretary,
                    today=today,
                )
        if back == 0:
            continue
        month_end = _month_back(month, -1)
        services.close_month(branch=branch, month=month, acting_user=secretary, today=today)
        close = services.publish(
            close=services.selectors.month_close(branch, month), acting_user=secretary, today=month_end
        )
        if back > 1:
            services.archive(
                close=close,
                acting_user=secretary,
                today=month_end + timedelta(days=services.objection_days() + 1),
            )


def _cards(members, secretary, committee, today) -> None:
    year = today.year
    secretary_person = secretary.person_id
    for n, person in enumerate(members):
        decider = committee if person.pk == secretary_person else secretary
        card = cards.open_card(person=person, year=year, acting_user=secretary, today=today)
        cards.save_card(card=card, parts=PARTS, acting_user=secretary, submit=True)
        cards.confirm_card(card=card, acting_user=decider)
        if n % 4 == 0:
            cards.add_task(people=[person], year=year, title=TASKS[n % 2], acting_user=secretary, today=today)
    for person in members:
        decider = committee if person.pk == secretary_person else secretary
        card = cards.open_card(person=person, year=year, acting_user=secretary, today=today)
        tasks = list(card.tasks.all())
        begun = [q for q in cards.QUARTERS if cards.quarter_start(year, q) <= today]
        for quarter in begun[:-1]:  # the current quarter is still being worked on
            progress = {key: PROGRESS for key in cards.PART_KEYS}
            progress.update({f"task:{t.pk}": "已完成" for t in tasks})
            check = cards.save_check(
                card=card,
                quarter=quarter,
                progress=progress,
                done_tasks=[t.pk for t in tasks],
                acting_user=secretary,
                submit=True,
                today=today,
            )
            cards.review_check(check=check, verdict="good", comment="目标明确，落实到位", acting_user=decider)


def _scores(rng, items, level: float) -> tuple[dict[str, str], Decimal]:
    scores, total = {}, Decimal(0)
    for item in items:
        share = min(1.0, max(0.3, rng.gauss(level, 0.06)))
        points = (item.max_points * Decimal(str(round(share, 2)))).quantize(Decimal("1"))
        scores[str(item.pk)] = str(points)
        total += points
    return scores, total


def _appraisal(branch, members, secretary, committee, today, rng) -> None:
    rubric = rubric_module.rubric_in_force(organization=branch)
    items = list(rubric.items.order_by("position", "pk"))
    last_year = cycles.open_cycle(
        organization=branch, kind=CycleKind.YEARLY, year=today.year - 1, acting_user=secretary
    )
    rows = []
    for person in members:
        level = rng.uniform(0.62, 0.97)  # every flag shows on the board
        peers = rng.sample([p for p in members if p.pk != person.pk], k=min(6, len(members) - 1))
        sheets = [(Source.SELF, person.pk, "")]
        sheets += [(Source.PEER, p.pk, "") for p in peers]
        sheets += [(Source.WORKER, None, cycles.WORKER_BALLOT.format(n=k)) for k in (1, 2, 3, 4, 5)]
        sheets += [(Source.ORGANIZATION, None, cycles.ORGANIZATION_BALLOT)]
        for source, evaluator, ballot in sheets:
            scores, total = _scores(rng, items, level + (0.03 if source == Source.SELF else 0))
            rows.append(
                Evaluation(
                    cycle=last_year,
                    subject=person,
                    source=source,
                    evaluator_id=evaluator,
                    ballot=ballot,
                    scores=scores,
                    total=total,
                    complete=True,
                    entered_by=committee if evaluator is None else None,
                )
            )
    Evaluation.objects.bulk_create(rows)
    cycles.close_cycle(cycle=last_year, acting_user=secretary, today=today)
    open_talks = list(talks.talk_list(secretary, branch_id=branch.pk))
    if open_talks:
        talks.record_talk(
            talk=open_talks[0],
            on=today,
            pointed_out="班组安全管理中带头作用发挥不够，参加组织生活不积极",
            will_change="每月至少参加一次跟班安全检查，按时参加“三会一课”",
            acting_user=secretary,
            today=today,
        )
    this_year = cycles.open_cycle(
        organization=branch, kind=CycleKind.YEARLY, year=today.year, acting_user=secretary
    )
    for person in members[: len(members) // 2]:
        scores, total = _scores(rng, items, rng.uniform(0.7, 0.95))
        Evaluation.objects.create(
            cycle=this_year,
            subject=person,
            source=Source.ORGANIZATION,
            ballot=cycles.ORGANIZATION_BALLOT,
            scores=scores,
            total=total,
            complete=True,
            entered_by=committee,
        )
