"""四步 (seed 001) and 双培 (seed 003): the yearly admission plan per branch, the yearly
activist training class, the structure figure and 双培 — services (writes) and
selectors (reads, scoped by the acting user). The figures themselves are computed in
`structure.py` from plain rows; decisions in docs/decisions/0006-four-steps.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from vanguard.accounts.models import Role
from vanguard.accounts.policy import scope_of
from vanguard.admission import services, structure
from vanguard.admission.models import (
    AdmissionPlan,
    Dossier,
    Stage,
    Step,
    StepKind,
    TrainingAttendance,
    TrainingClass,
)
from vanguard.core import audit
from vanguard.core.errors import DomainError, NotFoundOrForbidden, Problem
from vanguard.organizations.models import Organization, OrgKind, OrgStatus
from vanguard.people.models import PersonEvent

PLAN_FIELDS = ("planned", "from_team_leaders", "from_technicians", "from_frontline", "from_others")
SOURCE_FIELDS = PLAN_FIELDS[1:]
# The plan's source fields, in the order of structure.SOURCES.
SOURCE_FIELD_OF = dict(zip(structure.SOURCES, SOURCE_FIELDS, strict=True))
PIPELINE_STAGES = (Stage.ACTIVIST, Stage.CANDIDATE)
MIN_YEAR, MAX_YEAR = 2000, 2100


def _today() -> date:
    return timezone.localdate()


def _user(acting_user):
    return acting_user if acting_user is not None and acting_user.is_authenticated else None


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def parse_year(text: str | None, *, default: int) -> tuple[int, str]:
    """The year asked for in a query string, or the default with the reason in Chinese."""
    if text in (None, ""):
        return default, ""
    if not text.strip().isdigit() or not MIN_YEAR <= int(text) <= MAX_YEAR:
        return default, f"年度：“{text[:20]}”不是 {MIN_YEAR}–{MAX_YEAR} 之间的年份，已显示 {default} 年"
    return int(text), ""


# --- selectors -------------------------------------------------------------------------


def home_org(user) -> Organization | None:
    """The organisation whose 四步 page a user opens first: the highest node of their posts."""
    grants = sorted(scope_of(user).grants_for("admission.view"), key=lambda g: len(g.org_path))
    if not grants:
        return None
    return Organization.objects.filter(pk=grants[0].org_id).first()


def get_org(user, org_id, *, action: str = "admission.view") -> Organization:
    try:
        return Organization.objects.filter(scope_of(user).orgs_q(action)).get(pk=org_id)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden from None


def current_plans(*, branch_ids=None, under: Organization | None = None, year: int) -> QuerySet:
    qs = AdmissionPlan.objects.filter(year=year, replaced_by__isnull=True)
    if under is not None:
        qs = qs.filter(branch__path__startswith=under.path)
    if branch_ids is not None:
        qs = qs.filter(branch_id__in=branch_ids)
    return qs


def plan_history(branch: Organization, year: int) -> list[AdmissionPlan]:
    return list(
        AdmissionPlan.objects.filter(branch=branch, year=year).select_related("set_by").order_by("-id")
    )


@dataclass
class BranchLine:
    branch: Organization
    committee: Organization | None
    plan: AdmissionPlan | None
    figure: structure.Figure
    activists: int = 0
    candidates: int = 0
    turned_backbone: int = 0

    @property
    def completion(self) -> str:
        if not self.plan or not self.plan.planned:
            return "—"
        return f"{self.figure.total * 100 // self.plan.planned}%"

    @property
    def planned_sources(self) -> list[tuple[str, int | None, int]]:
        """(source, planned, actual) per source."""
        return [
            (
                structure.SOURCE_LABELS[s],
                getattr(self.plan, SOURCE_FIELD_OF[s]) if self.plan else None,
                self.figure.sources[s],
            )
            for s in structure.SOURCES
        ]


@dataclass
class CommitteeLine:
    committee: Organization
    planned: int = 0
    branches_with_plan: int = 0
    figure: structure.Figure = field(default_factory=structure.Figure)
    activists: int = 0
    candidates: int = 0
    turned_backbone: int = 0


@dataclass
class DualPerson:
    """One line of the 双培 list."""

    kind: str  # "backbone_to_member" | "member_to_backbone"
    person_id: int
    name: str
    branch: Organization | None
    on: date

    @property
    def kind_label(self) -> str:
        return "生产骨干培养成党员" if self.kind == "backbone_to_member" else "党员培养成生产骨干"


@dataclass
class Overview:
    org: Organization
    year: int
    total: CommitteeLine
    committees: list[CommitteeLine]
    branches: list[BranchLine]
    dual: list[DualPerson]
    target: str = "75%"


def _new_member_rows(user, org: Organization, year: int) -> list[structure.NewMember]:
    """The year's new members under `org`: approvals (细则 art. 23) dated in the year
    that stand (a corrected approval counts by its correction). One query."""
    p = "dossier__person__"
    rows = (
        Step.objects.filter(
            kind=StepKind.APPROVAL,
            on__gte=date(year, 1, 1),
            on__lte=date(year, 12, 31),
            corrected_by__isnull=True,
        )
        .filter(**{f"{p}branch__path__startswith": org.path})
        .filter(scope_of(user).people_q("admission.view", prefix=p))
        .values(
            "on",
            "dossier__opened_on",
            f"{p}id",
            f"{p}name",
            f"{p}branch_id",
            f"{p}birth_date",
            f"{p}is_frontline",
            f"{p}education",
            f"{p}is_technician",
            f"{p}job_post",
            f"{p}is_backbone",
        )
        .order_by("on", "id")
    )
    return [dict(r) for r in rows]


def _backbone_changes(user, org: Organization) -> list[dict]:
    """Every recorded change of the 生产骨干 flag of people under `org` (PersonEvent
    rows written by people.services.update_person). One query."""
    return [
        dict(r)
        for r in PersonEvent.objects.filter(
            changes__has_key="is_backbone", person__branch__path__startswith=org.path
        )
        .filter(scope_of(user).people_q("admission.view", prefix="person__"))
        .values("person_id", "on", "changes", "person__name", "person__branch_id", "person__join_date")
        .order_by("on", "id")
    ]


def _changes(rows: list[dict]) -> dict[int, list[structure.BackboneChange]]:
    out: dict[int, list[structure.BackboneChange]] = {}
    for r in rows:
        old, new = (r["changes"].get("is_backbone") or [None, None])[:2]
        out.setdefault(r["person_id"], []).append(
            structure.BackboneChange(r["person_id"], r["on"], bool(old), bool(new))
        )
    return out


def overview(user, org: Organization, *, year: int) -> Overview:
    """Plan vs actual, the structure figure and 双培 for every branch under `org`, each
    committee under it and `org` itself. Six queries, whatever the size."""
    orgs = list(
        Organization.objects.filter(path__startswith=org.path)
        .filter(scope_of(user).orgs_q("admission.view"))
        .only("id", "name", "path", "kind", "parent_id", "status", "sort_order")
        .order_by("path")
    )
    by_id = {o.pk: o for o in orgs}
    plans = {p.branch_id: p for p in current_plans(under=org, year=year)}
    raw = _new_member_rows(user, org, year)
    history = _backbone_changes(user, org)
    changes = _changes(history)
    pipeline = (
        Dossier.objects.filter(stage__in=PIPELINE_STAGES, person__branch__path__startswith=org.path)
        .filter(scope_of(user).people_q("admission.view", prefix="person__"))
        .values("person__branch_id", "stage")
        .annotate(n=Count("id"))
    )

    p = "dossier__person__"
    rows = [
        structure.NewMember(
            person_id=r[f"{p}id"],
            branch_id=r[f"{p}branch_id"],
            approved_on=r["on"],
            birth_date=r[f"{p}birth_date"],
            is_frontline=r[f"{p}is_frontline"],
            education=r[f"{p}education"],
            is_technician=r[f"{p}is_technician"],
            job_post=r[f"{p}job_post"],
            name=r[f"{p}name"],
            # 双培: a backbone when the dossier was opened (the application), read back
            # from the person's history of the flag.
            backbone_at_entry=structure.value_on(
                r[f"{p}is_backbone"], changes.get(r[f"{p}id"], []), r["dossier__opened_on"]
            ),
        )
        for r in raw
    ]

    def committees_above(branch_id: int) -> list[int]:
        branch = by_id.get(branch_id)
        if branch is None:
            return []
        return [i for i in branch.ancestor_ids if i in by_id and by_id[i].kind == OrgKind.COMMITTEE]

    def nearest_committee(branch: Organization) -> Organization | None:
        ids = committees_above(branch.pk)
        return by_id[ids[-1]] if ids else None

    per_branch = structure.figures_by(rows, lambda r: [r.branch_id])
    per_committee = structure.figures_by(rows, lambda r: committees_above(r.branch_id))

    turned: list[DualPerson] = []
    by_person: dict[int, dict] = {}
    for r in history:
        by_person.setdefault(r["person_id"], r)
    for person_id, r in by_person.items():
        on = structure.became_backbone_as_member(
            changes[person_id], join_date=r["person__join_date"], year=year
        )
        if on is not None:
            turned.append(
                DualPerson(
                    "member_to_backbone",
                    person_id,
                    r["person__name"],
                    by_id.get(r["person__branch_id"]),
                    on,
                )
            )
    dual = [
        DualPerson("backbone_to_member", r.person_id, r.name, by_id.get(r.branch_id), r.approved_on)
        for r in rows
        if r.backbone_at_entry
    ] + sorted(turned, key=lambda d: (d.on, d.name))

    stages: dict[int, dict[str, int]] = {}
    for row in pipeline:
        stages.setdefault(row["person__branch_id"], {})[row["stage"]] = row["n"]
    turned_by_branch: dict[int, int] = {}
    for d in turned:
        if d.branch:
            turned_by_branch[d.branch.pk] = turned_by_branch.get(d.branch.pk, 0) + 1

    branches = [
        BranchLine(
            branch=o,
            committee=nearest_committee(o),
            plan=plans.get(o.pk),
            figure=per_branch.get(o.pk, structure.Figure()),
            activists=stages.get(o.pk, {}).get(Stage.ACTIVIST, 0),
            candidates=stages.get(o.pk, {}).get(Stage.CANDIDATE, 0),
            turned_backbone=turned_by_branch.get(o.pk, 0),
        )
        for o in orgs
        if o.kind == OrgKind.BRANCH
        and (o.status == OrgStatus.ACTIVE or o.pk in plans or o.pk in per_branch or o.pk in stages)
    ]
    lines: dict[int, CommitteeLine] = {
        o.pk: CommitteeLine(committee=o, figure=per_committee.get(o.pk, structure.Figure()))
        for o in orgs
        if o.kind == OrgKind.COMMITTEE
    }
    total = CommitteeLine(committee=org, figure=structure.figure(rows))
    for line in branches:
        for cid in committees_above(line.branch.pk):
            _add(lines[cid], line)
        _add(total, line)
    committees = [line for cid, line in lines.items() if cid != org.pk]
    return Overview(org=org, year=year, total=total, committees=committees, branches=branches, dual=dual)


def _add(line: CommitteeLine, branch: BranchLine) -> None:
    if branch.plan:
        line.planned += branch.plan.planned
        line.branches_with_plan += 1
    line.activists += branch.activists
    line.candidates += branch.candidates
    line.turned_backbone += branch.turned_backbone


def visible_classes(user) -> QuerySet[TrainingClass]:
    """Classes of the committees a user's posts lie in or above: a committee sees its own
    classes and those of committees under it; a branch sees the classes of the
    committees above it, which its activists attend."""
    grants = scope_of(user).grants_for("admission.view")
    if any(g.role == Role.ORG_DEPARTMENT for g in grants):
        return TrainingClass.objects.all()
    q = Q(pk__in=[])
    for g in grants:
        above = [int(part) for part in g.org_path.strip("/").split("/") if part]
        q |= Q(committee__path__startswith=g.org_path) | Q(committee_id__in=above)
    return TrainingClass.objects.filter(q)


def get_class(user, class_id, *, action: str = "admission.view") -> TrainingClass:
    try:
        qs = visible_classes(user).select_related("committee")
        found = qs.get(pk=class_id)
    except (TrainingClass.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden from None
    if action != "admission.view" and not scope_of(user).allows_org(action, found.committee):
        raise NotFoundOrForbidden
    return found


def attendances(user, training_class: TrainingClass) -> list[TrainingAttendance]:
    """The participants the user may see (a branch sees its own people only)."""
    return list(
        training_class.attendances.filter(scope_of(user).people_q("admission.view", prefix="person__"))
        .select_related("person", "person__branch", "dossier", "step")
        .order_by("person__branch__path", "person__name", "id")
    )


def eligible_dossiers(user, training_class: TrainingClass, *, limit: int = 200) -> list[Dossier]:
    """Open dossiers of activists and candidates under the class's committee, not yet in
    the class."""
    return list(
        Dossier.objects.filter(
            stage__in=PIPELINE_STAGES,
            closed_on__isnull=True,
            person__branch__path__startswith=training_class.committee.path,
        )
        .filter(scope_of(user).people_q("admission.record", prefix="person__"))
        .exclude(person_id__in=training_class.attendances.values("person_id"))
        .select_related("person", "person__branch")
        .order_by("person__branch__path", "person__name")[:limit]
    )


# --- services --------------------------------------------------------------------------


@dataclass
class PlanInput:
    planned: int
    from_team_leaders: int = 0
    from_technicians: int = 0
    from_frontline: int = 0
    from_others: int = 0
    note: str = ""
    reason: str = ""


def _require_committee(acting_user, org: Organization, what: str) -> None:
    if acting_user is None:
        return
    if not scope_of(acting_user).allows_org("admission.approve", org):
        raise DomainError(f"{what}：须由上级党委（组织部门）在其管理范围内办理", field=what, code="forbidden")


@transaction.atomic
def set_plan(*, branch: Organization, year: int, data: PlanInput, acting_user) -> AdmissionPlan:
    """Set or change a branch's plan for a year (一步定计划, seed 001). A plan for a past
    year is closed; a change keeps the old version and says why."""
    _require_committee(acting_user, branch, "党支部")
    if branch.kind != OrgKind.BRANCH:
        raise DomainError("党支部：发展计划按党支部制定", field="党支部", code="kind")
    if branch.status != OrgStatus.ACTIVE:
        raise DomainError(f"党支部：{branch.name} 已撤销或合并", field="党支部", code="closed")
    today = _today()
    if year < today.year:
        raise DomainError(f"年度：{year} 年已过去，计划只读", field="年度", code="closed")
    if year > today.year + 1:
        raise DomainError("年度：只能制定本年度或下一年度的计划", field="年度", code="year")
    problems = []
    for name in PLAN_FIELDS:
        value = getattr(data, name)
        if not isinstance(value, int) or value < 0 or value > 10000:
            label = _label(AdmissionPlan, name)
            problems.append(Problem(label, f"{label}：应为 0–10000 的整数", "invalid"))
    if problems:
        raise DomainError(problems)
    sources = sum(getattr(data, n) for n in SOURCE_FIELDS)
    if sources != data.planned:
        raise DomainError(
            f"来源合计：各来源人数之和（{sources}）应等于计划发展人数（{data.planned}）",
            field="来源合计",
            code="sources",
        )
    current = (
        AdmissionPlan.objects.select_for_update(of=("self",))
        .filter(branch=branch, year=year, replaced_by__isnull=True)
        .first()
    )
    values = {n: getattr(data, n) for n in PLAN_FIELDS}
    if current is not None:
        before = {n: getattr(current, n) for n in PLAN_FIELDS}
        if before == values and current.note == data.note:
            return current
        if not data.reason.strip():
            raise DomainError("调整原因：调整已制定的计划须说明原因", field="调整原因", code="required")
    plan = AdmissionPlan(
        branch=branch,
        year=year,
        note=data.note[:300],
        reason=data.reason.strip()[:300] if current else "",
        replaces=current,
        set_by=_user(acting_user),
        **values,
    )
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:
        raise DomainError("计划：刚被他人修改，请刷新后重试", field="计划", code="race") from exc
    audit.record(
        actor=acting_user,
        action="admission.plan" if current is None else "admission.plan_change",
        obj=plan,
        summary=(
            f"{branch.name} {year} 年发展党员计划：{data.planned} 人"
            if current is None
            else f"调整 {branch.name} {year} 年发展党员计划：{current.planned} → {data.planned} 人（{data.reason}）"
        ),
        changes=audit.diff({n: getattr(current, n) for n in PLAN_FIELDS} if current else {}, values),
    )
    return plan


@dataclass
class ClassInput:
    title: str
    starts_on: date
    ends_on: date
    days: int
    hours: int
    place: str = ""


@transaction.atomic
def create_class(*, committee: Organization, data: ClassInput, acting_user) -> TrainingClass:
    """Register the committee's activist training class (四步抓培训, seed 001)."""
    _require_committee(acting_user, committee, "举办党委")
    if committee.kind != OrgKind.COMMITTEE:
        raise DomainError("举办党委：培训班由党委举办", field="举办党委", code="kind")
    problems = []
    if not data.title.strip():
        problems.append(Problem("培训班名称", "培训班名称：不能为空", "required"))
    if data.ends_on < data.starts_on:
        problems.append(Problem("结业日期", "结业日期：不能早于开班日期", "order"))
    if data.days < 1 and data.hours < 1:
        problems.append(Problem("培训天数", "培训天数：天数与学时至少一项大于 0", "required"))
    if problems:
        raise DomainError(problems)
    c = TrainingClass.objects.create(
        committee=committee,
        year=data.starts_on.year,
        title=data.title.strip()[:100],
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        days=data.days,
        hours=data.hours,
        place=data.place[:100],
        created_by=_user(acting_user),
    )
    audit.record(
        actor=acting_user,
        action="admission.training_class",
        obj=c,
        summary=f"{committee.name} 举办{c.title}（{c.starts_on:%Y-%m-%d} 至 {c.ends_on:%Y-%m-%d}）",
    )
    return c


def _require_open_class(c: TrainingClass) -> None:
    if c.closed_on:
        raise DomainError(
            f"培训班：已于 {c.closed_on:%Y-%m-%d} 结业登记，只读", field="培训班", code="closed"
        )


@transaction.atomic
def enrol(*, training_class: TrainingClass, dossier_ids: list[int], acting_user) -> int:
    """Add activists and candidates under the class's committee. Returns how many."""
    c = (
        TrainingClass.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=training_class.pk)
    )
    _require_committee(acting_user, c.committee, "培训班")
    _require_open_class(c)
    dossiers = list(Dossier.objects.filter(pk__in=dossier_ids).select_related("person", "person__branch"))
    if len(dossiers) != len(set(dossier_ids)):
        raise DomainError("学员：所选档案不存在", field="学员", code="missing")
    problems = []
    for d in dossiers:
        if not d.person.branch.path.startswith(c.committee.path) or (
            acting_user is not None and not scope_of(acting_user).allows_person("admission.record", d.person)
        ):
            problems.append(Problem("学员", f"学员：{d.person.name} 不在{c.committee.name}范围内", "scope"))
        elif d.stage not in PIPELINE_STAGES or d.closed_on:
            problems.append(
                Problem(
                    "学员",
                    f"学员：{d.person.name} 目前是{d.get_stage_display()}，不是入党积极分子或发展对象",
                    "stage",
                )
            )
    if problems:
        raise DomainError(problems)
    existing = set(c.attendances.values_list("person_id", flat=True))
    new = [
        TrainingAttendance(training_class=c, person=d.person, dossier=d)
        for d in dossiers
        if d.person_id not in existing
    ]
    TrainingAttendance.objects.bulk_create(new)
    if new:
        audit.record(
            actor=acting_user,
            action="admission.training_enrol",
            obj=c,
            summary=f"{c.title}：新增学员 {len(new)} 人（{'、'.join(a.person.name for a in new[:10])}）",
        )
    return len(new)


@transaction.atomic
def set_attendance(
    *, training_class: TrainingClass, marks: dict[int, tuple[bool | None, bool | None]], acting_user
) -> int:
    """Record who attended the whole class and passed its test: {attendance id:
    (present, knowledge_passed)}. Until the class is closed."""
    c = (
        TrainingClass.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=training_class.pk)
    )
    _require_committee(acting_user, c.committee, "培训班")
    _require_open_class(c)
    changed = {}
    for a in c.attendances.select_related("person").filter(pk__in=list(marks)):
        present, passed = marks[a.pk]
        if (a.present, a.knowledge_passed) != (present, passed):
            changed[a.person.name] = [[a.present, a.knowledge_passed], [present, passed]]
            a.present, a.knowledge_passed = present, passed
            a.save(update_fields=["present", "knowledge_passed"])
    if changed:
        audit.record(
            actor=acting_user,
            action="admission.training_attendance",
            obj=c,
            summary=f"{c.title}：登记出勤与考试 {len(changed)} 人",
            changes=changed,
        )
    return len(changed)


@dataclass
class Completion:
    recorded: list[str] = field(default_factory=list)
    refused: list[tuple[str, list[str]]] = field(default_factory=list)
    not_candidates: list[str] = field(default_factory=list)


def complete_class(*, training_class: TrainingClass, acting_user) -> Completion:
    """Close the class's attendance and record the dossier's training step (细则 art.
    16, kind "training") for each participant present throughout whose dossier is at
    the candidate stage, through services.record_step — the rules judge each one. Can
    be run again: those already recorded are skipped, those refused may be retried once
    their dossier allows it."""
    with transaction.atomic():
        c = (
            TrainingClass.objects.select_for_update(of=("self",))
            .select_related("committee")
            .get(pk=training_class.pk)
        )
        _require_committee(acting_user, c.committee, "培训班")
        if c.ends_on > _today():
            raise DomainError(
                f"培训班：结业日期 {c.ends_on:%Y-%m-%d} 未到，不能结业登记", field="培训班", code="future"
            )
        if not c.closed_on:
            c.closed_on = _today()
            c.save(update_fields=["closed_on", "updated_at"])
            audit.record(
                actor=acting_user, action="admission.training_close", obj=c, summary=f"{c.title} 结业登记"
            )
    out = Completion()
    todo = c.attendances.filter(present=True, step__isnull=True).select_related("dossier", "person")
    for a in todo:
        if a.dossier.stage != Stage.CANDIDATE:
            out.not_candidates.append(a.person.name)
            continue
        try:
            with transaction.atomic():
                step = services.record_step(
                    dossier=a.dossier,
                    step=services.StepInput(
                        kind=StepKind.TRAINING,
                        on=c.ends_on,
                        decided_by=c.committee.name,
                        document=c.title,
                        note=f"{c.title}（{c.starts_on:%Y-%m-%d} 至 {c.ends_on:%Y-%m-%d}）",
                        data={"days": c.days, "hours": c.hours, "knowledge_passed": a.knowledge_passed},
                    ),
                    acting_user=acting_user,
                )
                a.step = step
                a.save(update_fields=["step"])
        except DomainError as exc:
            out.refused.append((a.person.name, exc.messages))
        else:
            out.recorded.append(a.person.name)
    return out


def committees_for_classes(user) -> list[Organization]:
    return list(
        Organization.objects.filter(scope_of(user).orgs_q("admission.approve"))
        .filter(kind=OrgKind.COMMITTEE, status=OrgStatus.ACTIVE)
        .order_by("path")
    )
