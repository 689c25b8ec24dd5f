"""What falls due in an open admission dossier, and when: pure functions over the facts
the rules module judges (`rules.Dossier`) plus the stage and the probation's dates.

Each item cites the rule it comes from, and every date is computed with the rules
module's own arithmetic and the parameters of the rule version in force
(`rules.rule_in_force`), so a deadline shown here is the one `check_step` and
`check_approval` will hold the record to. Today is passed in, never read from the
clock. No Django here: the selector in `admission/calendar.py` reads the records.

Two sorts of item:
- a *deadline* is a limit a rule sets (the talk within a month, an inspection every
  six months, approval within three months …); once passed it is overdue;
- a *reminder* is a day from which something may or should be done, without a limit
  of its own (the notice has ended: send the file for pre-review; a year of
  cultivation is up: the activist may be designated a candidate). It never becomes
  overdue; once its day has come it is ready."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from vanguard.admission import rules

# Stages, as stored on the dossier (admission.models.Stage values).
APPLICANT, ACTIVIST, CANDIDATE, PROBATIONARY = "applicant", "activist", "candidate", "probationary"

# Severity, most urgent first (the order of the to-do list).
OVERDUE = "overdue"  # a deadline that has passed
SOON = "soon"  # a deadline within SOON_DAYS (today included: today is the last day)
READY = "ready"  # a reminder whose day has come
UPCOMING = "upcoming"  # anything later
INFO = "info"  # an informational reminder (candidate designation possible)
SEVERITY_LABELS = {
    OVERDUE: "已逾期",
    SOON: "即将到期",
    READY: "可办理",
    UPCOMING: "待办",
    INFO: "提示",
}
SEVERITY_ORDER = {OVERDUE: 0, SOON: 1, READY: 2, UPCOMING: 3, INFO: 4}
SOON_DAYS = 7


@dataclass(frozen=True)
class Facts:
    """One open dossier as this module needs it. `probation_end` includes an approved
    extension (services.probation_end); `pending_outcome_congress` is the date of a
    branch congress vote on the probation's outcome that the party committee has not
    yet approved. The subject fields are carried through to each item."""

    stage: str
    dossier: rules.Dossier
    probation_end: date | None = None
    pending_outcome_congress: date | None = None
    dossier_id: int | None = None
    person_name: str = ""
    branch_id: int | None = None
    branch_name: str = ""


@dataclass(frozen=True)
class Due:
    code: str
    title: str  # Chinese: what is due
    due: date
    article: str  # the rule it comes from
    detail: str  # Chinese: the dates it is computed from
    deadline: bool  # a limit set by a rule (may become overdue) or a reminder
    severity: str
    dossier_id: int | None = None
    person_name: str = ""
    branch_id: int | None = None
    branch_name: str = ""

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    @property
    def overdue(self) -> bool:
        return self.severity == OVERDUE


def severity(due: date, *, deadline: bool, today: date, informational: bool = False) -> str:
    if informational:
        return INFO
    if deadline:
        if due < today:
            return OVERDUE
        return SOON if due <= today + timedelta(days=SOON_DAYS) else UPCOMING
    return READY if due <= today else UPCOMING


def _d(d: date) -> str:
    return f"{d:%Y-%m-%d}"


def due_items(facts: Facts, *, today: date) -> list[Due]:
    """Everything due in one open dossier, whatever its date; `severity` says where it
    stands on `today`. Which items exist does not depend on `today`."""
    x, stage = facts.dossier, facts.stage
    items: list[tuple[str, str, date, str, str, bool, bool]] = []

    def add(code, title, due, rule_code, detail, *, deadline=True, informational=False, when=None):
        article = rules.rule_in_force(rule_code, when or due).article
        items.append((code, title, due, article, detail, deadline, informational))

    # 细则第七条: the talk within one month of receiving the application.
    if x.application_date and x.application_talk_date is None and stage in (APPLICANT, ACTIVIST):
        months = rules.rule_in_force("application_talk", x.application_date).params["months"]
        due = rules.add_months(x.application_date, months)
        add(
            "application_talk",
            "派人同入党申请人谈话",
            due,
            "application_talk",
            f"{_d(x.application_date)} 递交入党申请书，应在一个月内即 {_d(due)} 前（含当日）谈话",
            when=x.application_date,
        )

    if stage == ACTIVIST and x.activist_date:
        # 细则第十一条 (ADR 0005): no gap of more than six months between the activist
        # date, each inspection and the next one.
        done = [d for d in x.inspections if d >= x.activist_date]
        last = max(done, default=x.activist_date)
        months = rules.rule_in_force("inspections", last).params["months"]
        due = rules.add_months(last, months)
        since = f"{_d(last)} 上次考察" if done else f"{_d(x.activist_date)} 确定为入党积极分子"
        add(
            "inspection",
            "半年一次的培养考察",
            due,
            "inspections",
            f"{since}，下一次考察应不晚于 {_d(due)}",
            when=last,
        )
        # 细则第十三条: a candidate after more than a year of cultivation.
        years = rules.rule_in_force("cultivation", x.activist_date).params["years"]
        up = rules.add_years(x.activist_date, years)
        add(
            "candidate_eligible",
            "培养满一年，可讨论确定为发展对象",
            up,
            "cultivation",
            f"{_d(x.activist_date)} 确定为入党积极分子，{_d(up)} 起培养期满一年",
            deadline=False,
            informational=True,
            when=x.activist_date,
        )

    if stage == CANDIDATE:
        notice = x.notice
        if notice and notice.end and x.pre_review_date is None and x.congress is None:
            # The notice's length is seed 001 (五查之四); once it is over the branch
            # sends the file to the party committee for pre-review (细则第十七、十八条).
            add(
                "notice_end",
                "公示期满，报党委预审",
                notice.end,
                "pre_review",
                f"公示 {_d(notice.start) if notice.start else '—'} 至 {_d(notice.end)}"
                "；期满且无未查清的问题后报党委预审",
                deadline=False,
            )
        if x.congress and x.congress.date and x.approval_date is None:
            # 细则第二十三条: approval within three months of the congress (six in a
            # special case).
            params = rules.rule_in_force("approval_window", x.congress.date).params
            months = params["special_months"] if x.special_case else params["months"]
            due = rules.add_months(x.congress.date, months)
            add(
                "approval",
                "党委审批接收预备党员",
                due,
                "approval_window",
                f"{_d(x.congress.date)} 支部党员大会讨论通过，应在{'六' if x.special_case else '三'}个月内"
                f"即 {_d(due)} 前审批",
                when=x.congress.date,
            )

    if stage == PROBATIONARY:
        if facts.pending_outcome_congress:
            # 细则第三十条: the party committee approves within three months of the vote.
            vote = facts.pending_outcome_congress
            months = rules.rule_in_force("probation_approval_window", vote).params["months"]
            due = rules.add_months(vote, months)
            add(
                "outcome_approval",
                "党委审批预备党员转正",
                due,
                "probation_approval_window",
                f"{_d(vote)} 支部党员大会讨论，应在三个月内即 {_d(due)} 前审批",
                when=vote,
            )
        elif facts.probation_end:
            # 党章第七条, 细则第二十八条: when the probation (or its extension) is over, the
            # branch congress discusses the conversion without delay.
            start = x.congress.date if x.congress else None
            add(
                "probation_end",
                "预备期满，支部党员大会讨论转正",
                facts.probation_end,
                "probation_congress",
                (f"{_d(start)} 支部党员大会接收为预备党员，" if start else "")
                + f"预备期至 {_d(facts.probation_end)} 期满",
            )

    return [
        Due(
            code=code,
            title=title,
            due=due,
            article=article,
            detail=detail,
            deadline=deadline,
            severity=severity(due, deadline=deadline, today=today, informational=informational),
            dossier_id=facts.dossier_id,
            person_name=facts.person_name,
            branch_id=facts.branch_id,
            branch_name=facts.branch_name,
        )
        for code, title, due, article, detail, deadline, informational in items
    ]


def in_window(item: Due, *, today: date, days: int) -> bool:
    """The to-do's window: every overdue deadline and every ready reminder, and anything
    else falling due within `days` from today. An informational reminder shows from
    `days` before its day to `days` after (it does not stay on the list for ever)."""
    if item.severity in (OVERDUE, READY):
        return True
    horizon = today + timedelta(days=days)
    if item.severity == INFO:
        return today - timedelta(days=days) <= item.due <= horizon
    return item.due <= horizon


def to_do(items, *, today: date, days: int = 30) -> list[Due]:
    """The items in the window, most urgent first: overdue (oldest first), then by date."""
    return sorted(
        (i for i in items if in_window(i, today=today, days=days)),
        key=lambda i: (i.severity != OVERDUE, i.due, SEVERITY_ORDER[i.severity], i.person_name, i.code),
    )
