"""The admission regulations as pure functions over plain data: the UI, the API, the
audit and the `admission_check` command all call these, so a rule is written once.

Sources:
- 细则 = 《中国共产党发展党员工作细则》 (中共中央办公厅, 2014); the article is cited next
  to each rule.
- 党章 = 《中国共产党章程》 art. 7 (one year of probation; an extension of at most one year).
- 五查五不批 = seed 001 (大同煤矿集团党委组织部, 2013): the party committee does not approve
  when (1) cultivation was under a year, (2) the materials were not pre-reviewed once
  the year was up, (3) party knowledge is poor, the motive impure or the committee has
  not talked with the candidate, (4) the notice lasted under five days, an objection is
  unresolved or the candidate cannot fulfil a member's duties, (5) there is no record
  of the branch congress vote.

Dates are calendar dates in China Standard Time and are always passed in (`on`), never
read from the clock. Every failure is a `Finding` with a code, the 五查 number (or None)
and a Chinese message naming the rule, its article and the dates that break it.

Date arithmetic (issue 3): "one year after D" is the same month and day a year later,
29 February → 28 February; "N months after D" likewise, clamped to the month's last
day; "within one month of D" means on or before one month after D; a notice from S to
E lasts E − S + 1 days; "more than half of N" is strictly greater than N/2.

Each rule is registered in `RULES` with the date it took effect, so that a revision
(a 2026 revision of the 细则 is reported) can be added as a new version and a record
judged by the version in force on its step's date (docs/decisions/0005)."""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from vanguard.admission import holidays

# --- date arithmetic ----------------------------------------------------------------------


def add_months(d: date, months: int) -> date:
    """Same day `months` later (or earlier), clamped to the last day of that month:
    2024-01-31 + 1 → 2024-02-29, 2023-11-30 + 3 → 2024-02-29."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_years(d: date, years: int) -> date:
    """Same month and day `years` later; 29 February becomes 28 February."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def notice_days(start: date, end: date, *, working_days: bool = False) -> int:
    """How long a notice from `start` to `end` lasted, both days included (E − S + 1),
    in calendar days or in working days on the official calendar."""
    if working_days:
        return holidays.working_days_between(start, end)
    return (end - start).days + 1


def more_than_half(count: int, of: int) -> bool:
    """Strictly more than half: 10 of 20 is not, 11 of 20 and 11 of 21 are."""
    return 2 * count > of


# --- the dossier ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Mentor:
    """A mentor (培养联系人) or a sponsor (入党介绍人): only their standing matters here."""

    full_member: bool


Sponsor = Mentor


@dataclass(frozen=True)
class Objection:
    resolved: bool


@dataclass(frozen=True)
class Notice:
    start: date | None = None
    end: date | None = None
    objections: tuple[Objection, ...] = ()


@dataclass(frozen=True)
class Training:
    days: int | None = None
    hours: float | None = None


@dataclass(frozen=True)
class Congress:
    date: date | None = None
    should_attend: int | None = None  # members with voting rights who should attend
    present: int | None = None  # of them, present
    in_favour: int | None = None  # including written votes sent in before the meeting


@dataclass(frozen=True)
class Dossier:
    """One person's way into the party; a field is None (or empty) until its step happens.
    The fields are the `admission_check` JSON contract's, plus `special_case` (approval
    within six months, 细则 art. 23) and `volunteer_form_date` (for check_step)."""

    birth_date: date | None = None
    application_date: date | None = None
    application_talk_date: date | None = None
    activist_date: date | None = None
    mentors: tuple[Mentor, ...] = ()
    inspections: tuple[date, ...] = ()
    candidate_date: date | None = None
    sponsors: tuple[Mentor, ...] = ()
    political_review_date: date | None = None
    training: Training | None = None
    committee_review_date: date | None = None
    notice: Notice | None = None
    pre_review_date: date | None = None
    knowledge_passed: bool | None = None
    motive_ok: bool | None = None
    able_to_fulfil_duties: bool | None = None
    congress: Congress | None = None
    committee_talk_date: date | None = None
    approval_date: date | None = None
    special_case: bool = False
    volunteer_form_date: date | None = None


@dataclass(frozen=True)
class Finding:
    code: str
    check: int | None  # 五查 number 1–5, or None for the other national rules
    message: str  # Chinese: the rule, its article, the dates that break it
    article: str

    def as_dict(self) -> dict[str, Any]:
        """The command's JSON shape (the contract has exactly these three keys)."""
        return {"code": self.code, "check": self.check, "message": self.message}


@dataclass(frozen=True)
class Verdict:
    approvable: bool
    findings: list[Finding]

    def as_dict(self) -> dict[str, Any]:
        return {"approvable": self.approvable, "findings": [f.as_dict() for f in self.findings]}


@dataclass(frozen=True)
class NoticeRule:
    """The public notice's minimum length: five calendar days by default (seed 001), or
    working days on the official calendar (settings ADMISSION_NOTICE_MIN_DAYS and
    ADMISSION_NOTICE_WORKING_DAYS, read by the caller)."""

    min_days: int = 5
    working_days: bool = False


# --- rule versions --------------------------------------------------------------------------

XIZE_2014 = date(2014, 6, 11)  # 细则 published (issued 10 June 2014), in force on publication


@dataclass(frozen=True)
class Rule:
    code: str
    check: int | None
    article: str
    effective_from: date
    params: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


def _rule(code: str, check: int | None, article: str, **params: int) -> Rule:
    return Rule(code, check, article, XIZE_2014, MappingProxyType(params))


# The 五查 groups follow issue 3's code list: 一查记录 covers the applicant and activist
# record (age … cultivation), 二查预审 the candidate's materials that are pre-reviewed
# (sponsors … pre_review), 三查思想, 四查表现, 五查会议记录 (the vote itself); the
# quorum, majority, approval window and date order are national rules outside the 五查.
#
# code → every version, oldest first. A revision appends a Rule with its own
# effective_from (and params or article); records are judged by `rule_in_force`.
RULES: dict[str, tuple[Rule, ...]] = {
    r.code: (r,)
    for r in (
        _rule("age", 1, "细则第五条；五查之一", years=18),
        _rule("application_talk", 1, "细则第七条；五查之一", months=1),
        _rule("mentors", 1, "细则第九条；五查之一", min=1, max=2),
        _rule("inspections", 1, "细则第十一条；五查之一", months=6),
        _rule("cultivation", 1, "细则第十三条；五查之一", years=1),
        _rule("sponsors", 2, "细则第十四条；五查之二", count=2),
        _rule("political_review", 2, "细则第十五条；五查之二"),
        _rule("training", 2, "细则第十六条；五查之二", days=3, hours=24),
        _rule("pre_review", 2, "细则第十七、十八条；五查之二", years=1),
        _rule("volunteer_form", None, "细则第十九条"),
        _rule("knowledge", 3, "五查之三"),
        _rule("motive", 3, "五查之三"),
        _rule("committee_talk", 3, "细则第二十二条；五查之三"),
        _rule("notice_length", 4, "五查之四"),
        _rule("notice_objection", 4, "五查之四"),
        _rule("duties", 4, "五查之四"),
        _rule("congress_record", 5, "细则第二十条；五查之五"),
        _rule("congress_quorum", None, "细则第二十一条"),
        _rule("congress_majority", None, "细则第二十一条"),
        _rule("approval_window", None, "细则第二十三条", months=3, special_months=6),
        _rule("order", None, "细则规定的发展程序"),
        _rule("future", None, "据实记录"),
        _rule("missing_date", None, "据实记录"),
        _rule("probation_congress", None, "细则第二十八至三十条；党章第七条", years=1),
        _rule("probation_extension", None, "细则第二十九条；党章第七条", min_months=6, max_months=12),
        _rule("probation_approval_window", None, "细则第三十条", months=3),
        _rule("probation_order", None, "细则第二十八至三十条"),
    )
}


def rule_in_force(code: str, on: date | None) -> Rule:
    """The version of rule `code` in force on `on` (the latest one when `on` is None).
    A record older than every version is judged by the oldest one."""
    versions = RULES[code]
    if on is None:
        return versions[-1]
    chosen = versions[0]
    for version in versions:
        if version.effective_from <= on:
            chosen = version
    return chosen


def _finding(code: str, when: date | None, text: str) -> Finding:
    rule = rule_in_force(code, when)
    return Finding(code, rule.check, f"{text}（{rule.article}）", rule.article)


def _d(d: date) -> str:
    return f"{d:%Y-%m-%d}"


# --- the rules, one function each -------------------------------------------------------------
# Each takes the dossier and `on` (the day the judgement is made) and returns its findings.


def _age(x: Dossier, on: date) -> list[Finding]:
    # 细则第五条: 年满十八岁 on the day of application.
    when = x.application_date or on
    years = rule_in_force("age", when).params["years"]
    if x.birth_date is None:
        return [_finding("age", when, "缺少出生日期，无法核对申请入党时是否年满十八岁")]
    if x.application_date is None:
        return [_finding("age", when, "缺少递交入党申请书日期，无法核对申请时是否年满十八岁")]
    adult = add_years(x.birth_date, years)
    if x.application_date < adult:
        return [
            _finding(
                "age",
                when,
                f"申请入党时未满十八岁：{_d(x.birth_date)} 出生，{_d(x.application_date)} 递交申请，"
                f"应不早于 {_d(adult)}",
            )
        ]
    return []


def _application_talk(x: Dossier, on: date) -> list[Finding]:
    # 细则第七条: 党组织收到入党申请书后，应当在一个月内派人同入党申请人谈话.
    if x.application_date is None:
        return [_finding("application_talk", on, "缺少递交入党申请书日期，无法核对是否在一个月内谈话")]
    months = rule_in_force("application_talk", x.application_date).params["months"]
    due = add_months(x.application_date, months)
    if x.application_talk_date is None:
        return [
            _finding(
                "application_talk",
                x.application_date,
                f"没有派人谈话的记录：{_d(x.application_date)} 递交申请，应在 {_d(due)} 前（含当日）谈话",
            )
        ]
    if x.application_talk_date > due:
        return [
            _finding(
                "application_talk",
                x.application_date,
                f"谈话超过一个月：{_d(x.application_date)} 递交申请，{_d(x.application_talk_date)} 谈话，"
                f"应不晚于 {_d(due)}",
            )
        ]
    return []


def _members(code: str, people: tuple[Mentor, ...], when: date, what: str, count_text: str) -> list[Finding]:
    rule = rule_in_force(code, when)
    low, high = (rule.params["min"], rule.params["max"]) if code == "mentors" else (rule.params["count"],) * 2
    findings = []
    if not people:
        findings.append(_finding(code, when, f"没有确定{what}：应有{count_text}正式党员作{what}"))
    elif not low <= len(people) <= high:
        findings.append(_finding(code, when, f"{what}人数不符：应为{count_text}，实有 {len(people)} 名"))
    not_full = [str(i) for i, p in enumerate(people, 1) if not p.full_member]
    if not_full:
        findings.append(
            _finding(
                code,
                when,
                f"{what}须为正式党员（预备党员、受留党察看处分的党员不能担任）：第 {'、'.join(not_full)} 名不是正式党员",
            )
        )
    return findings


def _mentors(x: Dossier, on: date) -> list[Finding]:
    # 细则第九条: 党组织应当指定一至两名正式党员作入党积极分子的培养联系人.
    return _members("mentors", x.mentors, x.activist_date or on, "培养联系人", "一至两名")


def _sponsors(x: Dossier, on: date) -> list[Finding]:
    # 细则第十四条: 发展对象应当有两名正式党员作入党介绍人.
    return _members("sponsors", x.sponsors, x.candidate_date or on, "入党介绍人", "两名")


def _inspection_dates(x: Dossier, on: date) -> list[Finding]:
    # An inspection inspects an activist: none before the activist designation.
    if x.activist_date is None:
        return [_finding("inspections", on, "缺少确定为入党积极分子日期，无法核对培养考察")]
    early = sorted(d for d in x.inspections if d < x.activist_date)
    if early:
        return [
            _finding(
                "inspections",
                x.activist_date,
                f"考察日期 {'、'.join(map(_d, early))} 早于确定为入党积极分子日期 {_d(x.activist_date)}",
            )
        ]
    return []


def _inspections(x: Dossier, on: date) -> list[Finding]:
    # 细则第十一条: 党支部每半年对入党积极分子进行一次考察. Decided (ADR 0005): from the
    # activist date to the candidate date (or `on` before there is one), no gap longer
    # than six months — each inspection no later than six months after the activist date
    # or the previous inspection, and the candidate date no later than six months after
    # the last one. Inspections after the candidate date belong to the probation.
    found = _inspection_dates(x, on)
    if x.activist_date is None:
        return found
    end = x.candidate_date or on
    months = rule_in_force("inspections", end).params["months"]
    points = sorted(d for d in x.inspections if x.activist_date <= d <= end)
    previous, previous_label = x.activist_date, "确定为入党积极分子"
    for d in [*points, end]:
        due = add_months(previous, months)
        if d > due:
            if d in points:
                then = f"下一次考察在 {_d(d)}"
            elif x.candidate_date:
                then = f"此后直至 {_d(d)} 确定为发展对象没有考察"
            else:
                then = f"此后至今（{_d(d)}）没有考察"
            found.append(
                _finding(
                    "inspections",
                    end,
                    f"培养考察间隔超过半年：{_d(previous)} {previous_label}，下一次考察应不晚于 {_d(due)}，{then}",
                )
            )
        previous, previous_label = d, "考察"
    return found


def _cultivation(x: Dossier, on: date) -> list[Finding]:
    # 细则第十三条: 经过一年以上培养教育和考察 … 可列为发展对象. 五查之一.
    if x.activist_date is None:
        return [_finding("cultivation", on, "缺少确定为入党积极分子日期，无法核对培养期是否满一年")]
    if x.candidate_date is None:
        return [
            _finding("cultivation", on, f"尚未确定为发展对象（{_d(x.activist_date)} 确定为入党积极分子）")
        ]
    years = rule_in_force("cultivation", x.candidate_date).params["years"]
    up = add_years(x.activist_date, years)
    if x.candidate_date < up:
        return [
            _finding(
                "cultivation",
                x.candidate_date,
                f"培养期不满一年：{_d(x.activist_date)} 确定为积极分子，{_d(x.candidate_date)} 确定为发展对象，"
                f"应不早于 {_d(up)}",
            )
        ]
    return []


def _political_review(x: Dossier, on: date) -> list[Finding]:
    # 细则第十五条: 对发展对象进行政治审查 … 未经政治审查或政治审查不合格的，不能发展入党.
    if x.political_review_date is None:
        return [_finding("political_review", on, "没有政治审查结论：未经政治审查的不能发展入党")]
    return []


def _training(x: Dossier, on: date) -> list[Finding]:
    # 细则第十六条: 集中培训，时间一般不少于三天（或不少于二十四个学时）; either suffices.
    params = rule_in_force("training", on).params
    t = x.training
    if t is None or (t.days is None and t.hours is None):
        return [_finding("training", on, "没有集中培训记录：应不少于 3 天或不少于 24 个学时")]
    if (t.days or 0) >= params["days"] or (t.hours or 0) >= params["hours"]:
        return []
    return [
        _finding(
            "training",
            on,
            f"集中培训不足：{t.days or 0} 天、{t.hours or 0:g} 学时，应不少于 {params['days']} 天"
            f"或不少于 {params['hours']} 个学时",
        )
    ]


def _pre_review(x: Dossier, on: date) -> list[Finding]:
    # 细则第十七、十八条: 支部委员会审查合格后报基层党委预审. 五查之二: 发展对象一年到期后
    # 有关材料没经预审的不批 — the pre-review is on or after the day the year was up.
    found = []
    if x.committee_review_date is None:
        found.append(_finding("pre_review", on, "没有支部委员会审查记录：须经支委会审查后报党委预审"))
    if x.pre_review_date is None:
        found.append(_finding("pre_review", on, "发展对象的材料没有经过党委预审"))
    elif x.activist_date is not None:
        years = rule_in_force("pre_review", x.pre_review_date).params["years"]
        up = add_years(x.activist_date, years)
        if x.pre_review_date < up:
            found.append(
                _finding(
                    "pre_review",
                    x.pre_review_date,
                    f"预审早于培养期满一年：{_d(x.activist_date)} 确定为积极分子，{_d(x.pre_review_date)} 预审，"
                    f"应不早于 {_d(up)}",
                )
            )
    return found


def _volunteer_form(x: Dossier, on: date) -> list[Finding]:
    # 细则第十九条: 预审合格后发放《中国共产党入党志愿书》.
    if x.volunteer_form_date is None:
        return [_finding("volunteer_form", on, "尚未填写入党志愿书：须在党委预审合格后发放、填写")]
    return []


def _flag(code: str, value: bool | None, missing: str, failed: str, on: date) -> list[Finding]:
    if value is None:
        return [_finding(code, on, missing)]
    if not value:
        return [_finding(code, on, failed)]
    return []


def _knowledge(x: Dossier, on: date) -> list[Finding]:
    # 五查之三: 对党的基本知识模糊的不批.
    return _flag(
        "knowledge",
        x.knowledge_passed,
        "没有党的基本知识掌握情况的结论",
        "对党的基本知识模糊",
        on,
    )


def _motive(x: Dossier, on: date) -> list[Finding]:
    # 五查之三: 入党动机不纯的不批.
    return _flag("motive", x.motive_ok, "没有入党动机的审查结论", "入党动机不纯", on)


def _committee_talk(x: Dossier, on: date) -> list[Finding]:
    # 细则第二十二条: 基层党委审批前派人同发展对象谈话; 五查之三: 党委没有谈话的不批.
    if x.committee_talk_date is None:
        return [_finding("committee_talk", on, "党委没有派人同发展对象谈话")]
    return []


def _notice_length(x: Dossier, on: date, notice_rule: NoticeRule) -> list[Finding]:
    # 五查之四: 公示不满五天的不批 (the 2014 细则 sets no length; a deployment setting).
    unit = "个工作日" if notice_rule.working_days else "天"
    n = x.notice
    if n is None or n.start is None or n.end is None:
        missing = "没有公示记录" if n is None or (n.start is None and n.end is None) else "公示缺少起止日期"
        return [_finding("notice_length", on, f"{missing}：应公示不少于 {notice_rule.min_days} {unit}")]
    days = notice_days(n.start, n.end, working_days=notice_rule.working_days)
    if days < notice_rule.min_days:
        return [
            _finding(
                "notice_length",
                n.start,
                f"公示不满 {notice_rule.min_days} {unit}：{_d(n.start)} 至 {_d(n.end)} 共 {max(days, 0)} {unit}",
            )
        ]
    return []


def _notice_objection(x: Dossier, on: date) -> list[Finding]:
    # 五查之四: 公示中确有问题的不批 — every objection raised must be resolved.
    if x.notice is None:
        return []
    open_ = sum(not o.resolved for o in x.notice.objections)
    if open_:
        return [
            _finding(
                "notice_objection",
                x.notice.start or on,
                f"公示期间反映的 {len(x.notice.objections)} 个问题中有 {open_} 个尚未查清解决",
            )
        ]
    return []


def _duties(x: Dossier, on: date) -> list[Finding]:
    # 五查之四: 无履行党员义务能力的不批.
    return _flag(
        "duties",
        x.able_to_fulfil_duties,
        "没有能否履行党员义务的结论",
        "发展对象不具备履行党员义务的能力",
        on,
    )


def _congress_record(x: Dossier, on: date) -> list[Finding]:
    # 细则第二十条; 五查之五: 没有经过党员大会票决的不批.
    if x.congress is None:
        return [_finding("congress_record", on, "没有支部党员大会讨论表决的记录")]
    if x.congress.date is None:
        return [_finding("congress_record", on, "支部党员大会记录缺少会议日期")]
    return []


def _quorum(x: Dossier, on: date) -> list[Finding]:
    # 细则第二十一条: 有表决权的到会人数必须超过应到会有表决权人数的半数.
    c = x.congress
    if c is None:
        return []
    when = c.date or on
    if c.should_attend is None or c.present is None:
        return [_finding("congress_quorum", when, "支部党员大会记录缺少应到会或实到会的有表决权党员人数")]
    if not more_than_half(c.present, c.should_attend):
        return [
            _finding(
                "congress_quorum",
                when,
                f"到会人数未超过半数：应到会有表决权的党员 {c.should_attend} 人，到会 {c.present} 人，"
                f"至少应到会 {c.should_attend // 2 + 1} 人",
            )
        ]
    return []


def _majority(x: Dossier, on: date) -> list[Finding]:
    # 细则第二十一条: 赞成人数超过应到会有表决权的正式党员的半数，才能通过; 会前正式提交的
    # 书面意见计入 (in_favour includes them). Exactly half fails.
    c = x.congress
    if c is None:
        return []
    when = c.date or on
    if c.should_attend is None or c.in_favour is None:
        return [_finding("congress_majority", when, "支部党员大会记录缺少应到会人数或赞成票数")]
    if not more_than_half(c.in_favour, c.should_attend):
        return [
            _finding(
                "congress_majority",
                when,
                f"赞成票未超过应到会有表决权党员的半数：应到会 {c.should_attend} 人，赞成 {c.in_favour} 票"
                f"（含会前书面表决），至少需 {c.should_attend // 2 + 1} 票",
            )
        ]
    return []


def _approval_window(x: Dossier, on: date) -> list[Finding]:
    # 细则第二十三条: 基层党委应当在三个月内审批; 特殊情况可适当延长，但不得超过六个月.
    # The missing congress itself is congress_record's finding.
    if x.congress is None or x.congress.date is None:
        return []
    approval = x.approval_date or on
    params = rule_in_force("approval_window", approval).params
    months = params["special_months"] if x.special_case else params["months"]
    due = add_months(x.congress.date, months)
    if approval > due:
        limit = "六个月（特殊情况）" if x.special_case else "三个月"
        return [
            _finding(
                "approval_window",
                approval,
                f"超过审批期限：{_d(x.congress.date)} 支部党员大会通过，{_d(approval)} 审批，"
                f"应在{limit}内即不晚于 {_d(due)}",
            )
        ]
    return []


_LABELS = {
    "application_date": "递交入党申请书",
    "application_talk_date": "派人谈话",
    "activist_date": "确定为入党积极分子",
    "candidate_date": "确定为发展对象",
    "committee_review_date": "支委会审查",
    "pre_review_date": "党委预审",
    "volunteer_form_date": "填写入党志愿书",
    "congress_date": "支部党员大会",
    "committee_talk_date": "党委谈话",
    "approval_date": "党委审批",
    "political_review_date": "政治审查",
    "notice_start": "公示开始",
    "notice_end": "公示结束",
}

# The order the dates must keep (issue 3), each chain non-decreasing.
_CHAINS = (
    ("application_date", "application_talk_date"),
    (
        "application_date",
        "activist_date",
        "candidate_date",
        "committee_review_date",
        "pre_review_date",
        "volunteer_form_date",
        "congress_date",
        "committee_talk_date",
        "approval_date",
    ),
    ("candidate_date", "political_review_date", "congress_date"),
    ("candidate_date", "notice_start", "notice_end", "congress_date"),
)


def _dates(x: Dossier, approval: date | None) -> dict[str, date | None]:
    return {
        "application_date": x.application_date,
        "application_talk_date": x.application_talk_date,
        "activist_date": x.activist_date,
        "candidate_date": x.candidate_date,
        "committee_review_date": x.committee_review_date,
        "pre_review_date": x.pre_review_date,
        "volunteer_form_date": x.volunteer_form_date,
        "congress_date": x.congress.date if x.congress else None,
        "committee_talk_date": x.committee_talk_date,
        "approval_date": approval,
        "political_review_date": x.political_review_date,
        "notice_start": x.notice.start if x.notice else None,
        "notice_end": x.notice.end if x.notice else None,
    }


def _order(x: Dossier, on: date, *, approval: date | None = None) -> list[Finding]:
    # The sequence of the 细则's 25 steps: a later step is not dated before an earlier
    # one (the same day is allowed). A missing date is skipped: the chain is checked
    # between the dates that are there.
    dates = _dates(x, approval or x.approval_date)
    seen: set[tuple[str, str]] = set()
    found = []
    for chain in _CHAINS:
        present = [(name, dates[name]) for name in chain if dates[name] is not None]
        for (a, da), (b, db) in itertools.pairwise(present):
            if (a, b) in seen:
                continue
            seen.add((a, b))
            if db < da:
                found.append(
                    _finding(
                        "order",
                        db,
                        f"日期顺序不对：{_LABELS[b]}（{_d(db)}）早于{_LABELS[a]}（{_d(da)}），应在其后或同日",
                    )
                )
    return found


# --- the whole approval ----------------------------------------------------------------------


def check_approval(dossier: Dossier, *, on: date, notice_rule: NoticeRule = NoticeRule()) -> Verdict:
    """May the party committee approve admission on `on` (the approval date when there
    is one)? Every national rule and all five 五查, each failure a Finding."""
    x = dossier
    approval = x.approval_date or on
    findings = [
        *_age(x, on),
        *_application_talk(x, on),
        *_mentors(x, on),
        *_inspections(x, on),
        *_cultivation(x, on),
        *_sponsors(x, on),
        *_political_review(x, on),
        *_training(x, on),
        *_pre_review(x, on),
        *_knowledge(x, on),
        *_motive(x, on),
        *_committee_talk(x, on),
        *_notice_length(x, on, notice_rule),
        *_notice_objection(x, on),
        *_duties(x, on),
        *_congress_record(x, on),
        *_quorum(x, on),
        *_majority(x, on),
        *_approval_window(x, on),
        *_order(x, on, approval=approval),
    ]
    return Verdict(approvable=not findings, findings=findings)


# --- one step at a time -------------------------------------------------------------------------

RuleFn = Callable[[Dossier, date], list[Finding]]

# Each step's own rules; a step also runs every earlier step's rules (STEPS order),
# except the rules listed in _ONLY_AT (judged at that step and not repeated later).
_APPLICATION: tuple[RuleFn, ...] = (_age,)
_TALK: tuple[RuleFn, ...] = (*_APPLICATION, _application_talk)
_ACTIVIST: tuple[RuleFn, ...] = (*_TALK, _mentors)
_CANDIDATE: tuple[RuleFn, ...] = (*_ACTIVIST, _inspections, _cultivation)
_SPONSORED: tuple[RuleFn, ...] = (*_CANDIDATE, _sponsors)
_REVIEWED: tuple[RuleFn, ...] = (*_SPONSORED, _political_review, _training)
_PRE_REVIEWED: tuple[RuleFn, ...] = (*_REVIEWED, _pre_review)
# Knowledge, motive and duties (五查之三、四) are the committee's judgement at approval:
# they are not asked for at the congress (the committee's talk comes after it).
_VOTED: tuple[RuleFn, ...] = (
    *_PRE_REVIEWED,
    _volunteer_form,
    _notice_objection,
    _congress_record,
    _quorum,
    _majority,
)

_STEP_RULES: dict[str, tuple[RuleFn, ...]] = {
    "application": _APPLICATION,
    "application_talk": _TALK,
    "activist": _ACTIVIST,
    # A late inspection is still recorded: its lateness is reported at the candidate
    # designation and at approval, not by refusing the record.
    "inspection": (*_ACTIVIST, _inspection_dates),
    "candidate": _CANDIDATE,
    "sponsors": _SPONSORED,
    "political_review": (*_SPONSORED, _political_review),
    "training": (*_CANDIDATE, _training),
    # 细则: political review and training come before the branch committee's review.
    "committee_review": _REVIEWED,
    # The notice may run alongside the reviews; objections are resolved after it starts.
    "notice": _CANDIDATE,
    "pre_review": _PRE_REVIEWED,
    "volunteer_form": _PRE_REVIEWED,
    "congress": _VOTED,
    "committee_talk": (*_VOTED, _committee_talk),
}

STEPS = (
    "application",
    "application_talk",
    "activist",
    "inspection",
    "candidate",
    "sponsors",
    "political_review",
    "training",
    "committee_review",
    "notice",
    "pre_review",
    "volunteer_form",
    "congress",
    "committee_talk",
    "approval",
)

_STEP_DATE: dict[str, Callable[[Dossier], date | None]] = {
    "application": lambda x: x.application_date,
    "application_talk": lambda x: x.application_talk_date,
    "activist": lambda x: x.activist_date,
    "inspection": lambda x: max(x.inspections, default=None),
    "candidate": lambda x: x.candidate_date,
    "political_review": lambda x: x.political_review_date,
    "committee_review": lambda x: x.committee_review_date,
    "notice": lambda x: x.notice.start if x.notice else None,
    "pre_review": lambda x: x.pre_review_date,
    "volunteer_form": lambda x: x.volunteer_form_date,
    "congress": lambda x: x.congress.date if x.congress else None,
    "committee_talk": lambda x: x.committee_talk_date,
    "approval": lambda x: x.approval_date,
}

_STEP_NAMES = {
    "application": "递交入党申请书",
    "application_talk": "派人谈话",
    "activist": "确定为入党积极分子",
    "inspection": "培养考察",
    "candidate": "确定为发展对象",
    "political_review": "政治审查",
    "committee_review": "支委会审查",
    "notice": "公示",
    "pre_review": "党委预审",
    "volunteer_form": "填写入党志愿书",
    "congress": "支部党员大会",
    "committee_talk": "党委谈话",
    "approval": "党委审批",
}


def check_step(
    step: str,
    dossier: Dossier,
    *,
    on: date,
    notice_rule: NoticeRule = NoticeRule(),
) -> list[Finding]:
    """What forbids recording `step` on `on`, given a dossier that already holds the
    step's own data: the step's rules, the earlier steps' rules, the order of the dates,
    and `future` when the step is dated after `on`. "approval" is check_approval.
    Raises ValueError for an unknown step."""
    if step not in STEPS:
        raise ValueError(f"unknown admission step {step!r}; one of {', '.join(STEPS)}")
    x = dossier
    found: list[Finding] = []
    step_date = _STEP_DATE[step](x) if step in _STEP_DATE else None
    if step in _STEP_DATE and step_date is None:
        found.append(_finding("missing_date", on, f"{_STEP_NAMES[step]}：缺少日期"))
    if step_date is not None and step_date > on:
        found.append(
            _finding("future", on, f"{_STEP_NAMES[step]}日期 {_d(step_date)} 晚于今天 {_d(on)}，不能预先记录")
        )
    if step == "approval":
        return found + check_approval(x, on=on, notice_rule=notice_rule).findings
    for rule in _STEP_RULES[step]:
        found += rule(x, on)
    if step in ("notice", "congress", "committee_talk"):
        found += _notice_length(x, on, notice_rule)
    found += _order(x, on)
    return found


# --- probation (细则第二十七至三十一条; 党章第七条) -------------------------------------------------

OUTCOMES = ("conversion", "extension", "cancellation")


def probation_end(congress_date: date) -> date:
    """Probation lasts one year from the congress resolution, not from the approval
    (党章第七条; 细则第二十七条): the day one year after the congress date."""
    return add_years(congress_date, 1)


def full_member_date(congress_date: date, extension_months: int | None = None) -> date:
    """The full-membership date is the end of the probation, or of its extension,
    whenever the vote happens (细则第三十一条)."""
    end = probation_end(congress_date)
    return add_months(end, extension_months) if extension_months else end


def check_probation_outcome(
    outcome: str,
    *,
    congress_date: date | None,
    extension_months: int | None,
    extended_before: bool,
    outcome_congress_date: date | None,
    approval_date: date | None,
    on: date,
) -> list[Finding]:
    """What forbids recording the end of a probation: `outcome` is "conversion",
    "extension" or "cancellation", voted by a branch congress on `outcome_congress_date`
    and approved on `approval_date` (or judged on `on` when not yet approved).

    `extension_months` is the length of the extension being decided (outcome
    "extension"), or of the extension already granted when `extended_before` (a
    conversion or cancellation at the end of an extended probation)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown probation outcome {outcome!r}; one of {', '.join(OUTCOMES)}")
    found: list[Finding] = []
    when = outcome_congress_date or on
    if congress_date is None:
        return [_finding("probation_order", when, "没有接收为预备党员的支部党员大会记录，无法确定预备期")]
    ext = rule_in_force("probation_extension", when).params
    end = probation_end(congress_date)

    if outcome == "extension":
        if extended_before:
            found.append(_finding("probation_extension", when, "预备期只能延长一次，此前已延长过"))
        if extension_months is None:
            found.append(_finding("probation_extension", when, "延长预备期须写明延长期限（半年至一年）"))
        elif not ext["min_months"] <= extension_months <= ext["max_months"]:
            found.append(
                _finding(
                    "probation_extension",
                    when,
                    f"延长预备期应不少于半年、不超过一年（{ext['min_months']}–{ext['max_months']} 个月），"
                    f"实为 {extension_months} 个月",
                )
            )
    elif extended_before:
        if extension_months is None:
            found.append(
                _finding("probation_extension", when, "此前延长过预备期，须写明延长期限，以确定期满日期")
            )
        else:
            end = add_months(end, extension_months)

    if outcome_congress_date is None:
        found.append(_finding("probation_congress", on, "没有支部党员大会讨论的记录"))
        return found
    if outcome_congress_date > on:
        found.append(
            _finding("future", on, f"支部党员大会日期 {_d(outcome_congress_date)} 晚于今天 {_d(on)}")
        )
    # Conversion and extension are decided when the probation is over; a cancellation
    # may come during it (the member no longer meets the conditions).
    if outcome != "cancellation" and outcome_congress_date < end:
        what = "转正" if outcome == "conversion" else "延长预备期"
        found.append(
            _finding(
                "probation_congress",
                outcome_congress_date,
                f"预备期未满即讨论{what}：{_d(congress_date)} 支部党员大会接收为预备党员，"
                f"预备期至 {_d(end)} 期满，{_d(outcome_congress_date)} 讨论",
            )
        )
    if outcome_congress_date < congress_date:
        found.append(
            _finding(
                "probation_order",
                outcome_congress_date,
                f"日期顺序不对：讨论预备期结果的大会（{_d(outcome_congress_date)}）早于接收为预备党员的大会（{_d(congress_date)}）",
            )
        )
    approval = approval_date or on
    if approval_date is not None and approval_date < outcome_congress_date:
        found.append(
            _finding(
                "probation_order",
                approval_date,
                f"日期顺序不对：党委审批（{_d(approval_date)}）早于支部党员大会（{_d(outcome_congress_date)}）",
            )
        )
    months = rule_in_force("probation_approval_window", approval).params["months"]
    due = add_months(outcome_congress_date, months)
    if approval > due:
        found.append(
            _finding(
                "probation_approval_window",
                approval,
                f"超过审批期限：{_d(outcome_congress_date)} 支部党员大会讨论，{_d(approval)} 审批，"
                f"应在三个月内即不晚于 {_d(due)}",
            )
        )
    return found


# --- reading the JSON contract ------------------------------------------------------------------


class InvalidDossier(ValueError):
    """The input cannot be read as a dossier; the message (Chinese) names the field."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


_FIELD_NAMES = {
    "birth_date": "出生日期",
    "application_date": "递交入党申请书日期",
    "application_talk_date": "派人谈话日期",
    "activist_date": "确定为入党积极分子日期",
    "mentors": "培养联系人",
    "inspections": "培养考察日期",
    "candidate_date": "确定为发展对象日期",
    "sponsors": "入党介绍人",
    "political_review_date": "政治审查日期",
    "training": "集中培训",
    "committee_review_date": "支委会审查日期",
    "notice": "公示",
    "pre_review_date": "党委预审日期",
    "knowledge_passed": "党的基本知识",
    "motive_ok": "入党动机",
    "able_to_fulfil_duties": "履行党员义务能力",
    "congress": "支部党员大会",
    "committee_talk_date": "党委谈话日期",
    "approval_date": "党委审批日期",
    "special_case": "特殊情况",
    "volunteer_form_date": "填写入党志愿书日期",
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_JSON_TYPES = {dict: "对象", list: "数组", str: "字符串", bool: "布尔值", int: "数字", float: "数字"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _bad(path: str, text: str) -> InvalidDossier:
    top = path.split(".")[0].split("[")[0]
    label = _FIELD_NAMES.get(top, "")
    return InvalidDossier(f"{label}（{path}）：{text}" if label else f"{path}：{text}")


def _date(value: Any, path: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        shown = f"“{value}”" if isinstance(value, str) else _kind(value)
        raise _bad(path, f"应为 YYYY-MM-DD 格式的日期字符串，实为 {shown}")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise _bad(path, f"“{value}” 不是有效的日期") from None
    # The rules add up to a year or so to these dates; far years are typing errors.
    if not 1900 <= parsed.year <= 2199:
        raise _bad(path, f"“{value}” 的年份应在 1900 至 2199 之间")
    return parsed


def _bool(value: Any, path: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise _bad(path, f"应为 true 或 false，实为 {_kind(value)}")


def _count(value: Any, path: str, *, number: bool = False) -> Any:
    if value is None:
        return None
    ok = isinstance(value, int | float) if number else isinstance(value, int)
    if isinstance(value, bool) or not ok:
        raise _bad(path, f"应为{'数字' if number else '整数'}，实为 {_kind(value)}")
    if value < 0:
        raise _bad(path, f"不能为负数，实为 {value}")
    return value


def _object(value: Any, path: str) -> dict | None:
    if value is None or isinstance(value, dict):
        return value
    raise _bad(path, f"应为 JSON 对象，实为 {_kind(value)}")


def _list(value: Any, path: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(path, f"应为数组，实为 {_kind(value)}")
    return value


def _people(value: Any, path: str) -> tuple[Mentor, ...]:
    people = []
    for i, item in enumerate(_list(value, path)):
        item = _object(item, f"{path}[{i}]")
        if item is None or not isinstance(item.get("full_member"), bool):
            raise _bad(f"{path}[{i}].full_member", "应写明是否正式党员（true 或 false）")
        people.append(Mentor(full_member=item["full_member"]))
    return tuple(people)


def dossier_from_json(obj: Any) -> Dossier:
    """The `admission_check` input (issue 3) as a Dossier. Missing and null fields are
    steps that have not happened; keys outside the contract are ignored. Raises
    InvalidDossier with a Chinese message naming the field for anything unreadable."""
    if not isinstance(obj, dict):
        raise InvalidDossier(f"输入应为一个 JSON 对象（{{…}}），实为{_kind(obj)}")
    dates = {
        name: _date(obj.get(name), name)
        for name in (
            "birth_date",
            "application_date",
            "application_talk_date",
            "activist_date",
            "candidate_date",
            "political_review_date",
            "committee_review_date",
            "pre_review_date",
            "committee_talk_date",
            "approval_date",
            "volunteer_form_date",
        )
    }
    flags = {
        name: _bool(obj.get(name), name)
        for name in ("knowledge_passed", "motive_ok", "able_to_fulfil_duties")
    }
    inspections = []
    for i, item in enumerate(_list(obj.get("inspections"), "inspections")):
        if item is None:
            raise _bad(f"inspections[{i}]", "应为 YYYY-MM-DD 格式的日期字符串，实为 null")
        inspections.append(_date(item, f"inspections[{i}]"))

    training = None
    t = _object(obj.get("training"), "training")
    if t is not None:
        training = Training(
            days=_count(t.get("days"), "training.days"),
            hours=_count(t.get("hours"), "training.hours", number=True),
        )

    notice = None
    n = _object(obj.get("notice"), "notice")
    if n is not None:
        objections = []
        for i, item in enumerate(_list(n.get("objections"), "notice.objections")):
            item = _object(item, f"notice.objections[{i}]")
            if item is None or not isinstance(item.get("resolved"), bool):
                raise _bad(f"notice.objections[{i}].resolved", "应写明问题是否已查清解决（true 或 false）")
            objections.append(Objection(resolved=item["resolved"]))
        notice = Notice(
            start=_date(n.get("start"), "notice.start"),
            end=_date(n.get("end"), "notice.end"),
            objections=tuple(objections),
        )

    congress = None
    c = _object(obj.get("congress"), "congress")
    if c is not None:
        congress = Congress(
            date=_date(c.get("date"), "congress.date"),
            should_attend=_count(c.get("should_attend"), "congress.should_attend"),
            present=_count(c.get("present"), "congress.present"),
            in_favour=_count(c.get("in_favour"), "congress.in_favour"),
        )
        for name, label in (("present", "到会人数"), ("in_favour", "赞成票数")):
            value = getattr(congress, name)
            if value is not None and congress.should_attend is not None and value > congress.should_attend:
                raise _bad(
                    f"congress.{name}",
                    f"{label} {value} 大于应到会有表决权的党员人数 {congress.should_attend}",
                )

    return Dossier(
        **dates,
        **flags,
        mentors=_people(obj.get("mentors"), "mentors"),
        sponsors=_people(obj.get("sponsors"), "sponsors"),
        inspections=tuple(inspections),
        training=training,
        notice=notice,
        congress=congress,
        special_case=bool(_bool(obj.get("special_case"), "special_case")),
    )


def findings_by_check(findings: Iterable[Finding]) -> dict[int | None, list[Finding]]:
    """Findings grouped by 五查 number (None: the other national rules), for display."""
    grouped: dict[int | None, list[Finding]] = {}
    for f in findings:
        grouped.setdefault(f.check, []).append(f)
    return grouped
