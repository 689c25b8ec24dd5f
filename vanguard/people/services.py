"""Every write to the register. Keyword-only, acting_user, atomic, audited.

`acting_user=None` is the operator on the command line (import, seed): the command
itself is the authority, and the audit row names it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from vanguard.accounts.policy import scope_of
from vanguard.core import audit
from vanguard.core.errors import DomainError, Problem
from vanguard.organizations.models import Organization, OrgKind, ProductionUnit
from vanguard.people import rules
from vanguard.people.models import ArchiveReason, Person, PersonEvent, PersonEventKind, RecordStatus


@dataclass
class PersonData:
    """The editable fields of a person, parsed. Forms, the API and the import build one."""

    name: str
    gender: str | None
    birth_date: date | None
    branch: Organization | None
    id_number: str | None = None
    ethnicity: str = "汉族"
    native_place: str = ""
    education: str = ""
    phone: str = ""
    political_status: str = "worker"
    application_date: date | None = None
    join_date: date | None = None
    full_member_date: date | None = None
    group: Organization | None = None
    party_post: str = ""
    work_district: ProductionUnit | None = None
    crew: ProductionUnit | None = None
    job_post: str = ""
    job_type: str = ""
    is_frontline: bool = False
    is_technician: bool = False
    is_backbone: bool = False
    employment: str = "on_job"
    is_in_difficulty: bool = False
    is_mobile: bool = False
    note: str = ""

    def normalized(self) -> PersonData:
        self.name = rules.normalize_name(self.name or "")
        self.id_number = rules.normalize_id_number(self.id_number or "") or None
        self.phone = rules.normalize_phone(self.phone or "")
        if self.id_number and not rules.id_number_problems(self.id_number):
            # Enter a fact once: birth date and gender follow from the ID number.
            self.birth_date = self.birth_date or rules.id_birth_date(self.id_number)
            self.gender = self.gender or rules.id_gender(self.id_number)
        return self


FIELD_NAMES = [f.name for f in fields(PersonData)]


def _today() -> date:
    return timezone.localdate()


def validate(
    data: PersonData, *, person: Person | None, acting_user, today: date | None = None
) -> list[Problem]:
    """Every problem with saving `data` (onto `person`, or as a new person)."""
    problems = rules.check_person(
        rules.PersonFacts(
            name=data.name,
            gender=data.gender,
            birth_date=data.birth_date,
            id_number=data.id_number,
            phone=data.phone,
            political_status=data.political_status,
            application_date=data.application_date,
            join_date=data.join_date,
            full_member_date=data.full_member_date,
        ),
        today=today or _today(),
    )
    problems += placement_problems(data, acting_user)
    if data.id_number:
        clash = Person.objects.filter(id_number=data.id_number)
        if person is not None:
            clash = clash.exclude(pk=person.pk)
        if clash.exists():
            problems.append(
                Problem(
                    "身份证号",
                    "身份证号：已有人员使用该身份证号（一人一档，请查找并编辑已有档案）",
                    "duplicate",
                )
            )
    return problems


def placement_problems(data: PersonData, acting_user) -> list[Problem]:
    problems = []
    if data.branch is None:
        return [Problem("所在党支部", "所在党支部：不能为空", "required")]
    if data.branch.kind != OrgKind.BRANCH:
        problems.append(Problem("所在党支部", f"所在党支部：“{data.branch.name}”不是党支部", "kind"))
    if not data.branch.is_active:
        problems.append(Problem("所在党支部", f"所在党支部：“{data.branch.name}”已撤销或合并", "closed"))
    if data.group is not None and (
        data.group.kind != OrgKind.GROUP or data.group.parent_id != data.branch.pk
    ):
        problems.append(
            Problem("党小组", f"党小组：“{data.group.name}”不是“{data.branch.name}”的党小组", "group")
        )
    if (
        data.crew is not None
        and data.work_district is not None
        and data.crew.parent_id != data.work_district.pk
    ):
        problems.append(
            Problem("班组", f"班组：“{data.crew.name}”不属于区队“{data.work_district.name}”", "crew")
        )
    if acting_user is not None:
        probe = Person(branch=data.branch, group=data.group)
        probe.branch_id, probe.group_id = data.branch.pk, data.group.pk if data.group else None
        if not scope_of(acting_user).allows_person("person.manage", probe):
            problems.append(
                Problem("所在党支部", f"所在党支部：“{data.branch.name}”超出您的管理范围", "forbidden")
            )
    return problems


def _require_manage(person: Person, acting_user) -> None:
    if acting_user is not None and not scope_of(acting_user).allows_person("person.manage", person):
        raise DomainError("人员：超出您的管理范围", field="人员", code="forbidden")


def _require_open(person: Person) -> None:
    if person.status == RecordStatus.ARCHIVED:
        raise DomainError("人员：档案已归档，只读；如需恢复请先办理恢复在册", field="人员", code="closed")


def _user(acting_user):
    return acting_user if acting_user is not None and acting_user.is_authenticated else None


def snapshot(person: Person) -> dict:
    out = {}
    for name in FIELD_NAMES:
        value = getattr(
            person, f"{name}_id" if name in ("branch", "group", "work_district", "crew") else name
        )
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def _apply(person: Person, data: PersonData) -> None:
    for name in FIELD_NAMES:
        setattr(person, name, getattr(data, name))
    person.name_pinyin, person.name_initials = rules.search_keys(person.name)


@transaction.atomic
def create_person(*, data: PersonData, acting_user, on: date | None = None) -> Person:
    data.normalized()
    problems = validate(data, person=None, acting_user=acting_user)
    if problems:
        raise DomainError(problems)
    person = Person()
    _apply(person, data)
    try:
        person.save()
    except IntegrityError as exc:  # a concurrent create with the same ID number
        raise DomainError("身份证号：已有人员使用该身份证号", field="身份证号", code="duplicate") from exc
    PersonEvent.objects.create(
        person=person,
        kind=PersonEventKind.CREATED,
        on=on or _today(),
        to_branch=person.branch,
        summary="建档",
        actor=_user(acting_user),
    )
    audit.record(actor=acting_user, action="person.create", obj=person, summary=f"建档：{person.name}")
    return person


@transaction.atomic
def update_person(*, person: Person, data: PersonData, acting_user, on: date | None = None) -> Person:
    person = Person.objects.select_for_update().select_related("branch").get(pk=person.pk)
    _require_manage(person, acting_user)
    _require_open(person)
    data.normalized()
    if data.branch is not None and data.branch.pk != person.branch_id:
        raise DomainError("所在党支部：更换支部请办理组织关系转接", field="所在党支部", code="use_transfer")
    problems = validate(data, person=person, acting_user=acting_user)
    if problems:
        raise DomainError(problems)
    before = snapshot(person)
    _apply(person, data)
    changes = audit.diff(before, snapshot(person))
    if not changes:
        return person
    person.save()
    PersonEvent.objects.create(
        person=person,
        kind=PersonEventKind.UPDATED,
        on=on or _today(),
        summary="、".join(_label(k) for k in changes),
        changes=changes,
        actor=_user(acting_user),
    )
    audit.record(
        actor=acting_user,
        action="person.update",
        obj=person,
        summary=f"修改：{person.name}",
        changes=_redact(changes),
    )
    return person


def _label(field_name: str) -> str:
    return str(Person._meta.get_field(field_name).verbose_name)


def _redact(changes: dict) -> dict:
    """Audit rows name a change of ID or phone number without copying the numbers."""
    return {k: (["***", "***"] if k in ("id_number", "phone") else v) for k, v in changes.items()}


@transaction.atomic
def transfer_person(
    *,
    person: Person,
    to_branch: Organization,
    to_group: Organization | None = None,
    on: date | None = None,
    note: str = "",
    acting_user,
) -> Person:
    """组织关系转接 within the enterprise. The sending side must manage the person and
    the receiving branch (so a transfer across committees is the organisation
    department's, or both committees' common superior's, act)."""
    person = Person.objects.select_for_update().select_related("branch").get(pk=person.pk)
    _require_manage(person, acting_user)
    _require_open(person)
    day = on or _today()
    if to_branch.pk == person.branch_id and (to_group.pk if to_group else None) == person.group_id:
        raise DomainError("转入支部：与现所在支部、党小组相同", field="转入支部", code="same")
    probe = PersonData(
        name=person.name,
        gender=person.gender,
        birth_date=person.birth_date,
        branch=to_branch,
        group=to_group,
    )
    problems = placement_problems(probe, acting_user)
    if day > _today():
        problems.append(Problem("转接日期", "转接日期：不能晚于今天", "future"))
    if problems:
        raise DomainError(
            [
                Problem(
                    "转入支部" if p.field == "所在党支部" else p.field,
                    p.message.replace("所在党支部：", "转入支部：", 1),
                    p.code,
                )
                for p in problems
            ]
        )
    from_branch = person.branch
    person.branch, person.group = to_branch, to_group
    person.save(update_fields=["branch", "group", "updated_at"])
    PersonEvent.objects.create(
        person=person,
        kind=PersonEventKind.TRANSFERRED,
        on=day,
        from_branch=from_branch,
        to_branch=to_branch,
        summary=f"由“{from_branch.name}”转入“{to_branch.name}”" + (f"（{note}）" if note else ""),
        actor=_user(acting_user),
    )
    audit.record(
        actor=acting_user,
        action="person.transfer",
        obj=person,
        summary=f"{person.name}：{from_branch.name} → {to_branch.name}",
        changes={"note": note},
    )
    return person


@transaction.atomic
def archive_person(
    *, person: Person, reason: str, on: date | None = None, note: str = "", acting_user
) -> Person:
    person = Person.objects.select_for_update().select_related("branch").get(pk=person.pk)
    _require_manage(person, acting_user)
    _require_open(person)
    if reason not in ArchiveReason.values:
        raise DomainError("归档原因：请从列表中选择", field="归档原因", code="choice")
    day = on or _today()
    if day > _today():
        raise DomainError("归档日期：不能晚于今天", field="归档日期", code="future")
    person.status, person.archived_on, person.archive_reason = RecordStatus.ARCHIVED, day, reason
    person.save(update_fields=["status", "archived_on", "archive_reason", "updated_at"])
    label = ArchiveReason(reason).label
    PersonEvent.objects.create(
        person=person,
        kind=PersonEventKind.ARCHIVED,
        on=day,
        from_branch=person.branch,
        summary=f"归档：{label}" + (f"（{note}）" if note else ""),
        actor=_user(acting_user),
    )
    audit.record(
        actor=acting_user,
        action="person.archive",
        obj=person,
        summary=f"归档：{person.name}（{label}）",
        changes={"note": note},
    )
    return person


@transaction.atomic
def restore_person(*, person: Person, note: str = "", acting_user) -> Person:
    person = Person.objects.select_for_update().select_related("branch").get(pk=person.pk)
    _require_manage(person, acting_user)
    if person.status != RecordStatus.ARCHIVED:
        raise DomainError("人员：档案在册，无需恢复", field="人员")
    if not person.branch.is_active:
        raise DomainError(f"人员：原支部“{person.branch.name}”已撤销，请恢复后办理转接", field="人员")
    person.status, person.archived_on, person.archive_reason = RecordStatus.ACTIVE, None, ""
    person.save(update_fields=["status", "archived_on", "archive_reason", "updated_at"])
    PersonEvent.objects.create(
        person=person,
        kind=PersonEventKind.RESTORED,
        on=_today(),
        to_branch=person.branch,
        summary="恢复在册" + (f"（{note}）" if note else ""),
        actor=_user(acting_user),
    )
    audit.record(actor=acting_user, action="person.restore", obj=person, summary=f"恢复在册：{person.name}")
    return person


REVEALABLE = {"id_number": "身份证号", "phone": "联系电话"}


def reveal(*, person: Person, field: str, acting_user) -> str:
    """The full ID or phone number, for roles that need it; every look is audited."""
    if field not in REVEALABLE:
        raise DomainError("字段：只能查看身份证号或联系电话", field="字段")
    if not scope_of(acting_user).allows_person("person.unmask", person):
        raise DomainError(
            f"{REVEALABLE[field]}：您的职务无权查看完整号码",
            field=REVEALABLE[field],
            code="forbidden",
        )
    audit.record(
        actor=acting_user,
        action="person.unmask",
        obj=person,
        summary=f"查看完整{REVEALABLE[field]}：{person.name}",
        changes={"field": field},
    )
    return getattr(person, field) or ""


def record_export(*, acting_user, what: str, count: int) -> None:
    audit.record(
        actor=acting_user,
        action="export",
        summary=f"导出{what}（{count} 人）",
        changes={"count": count},
    )


_UNSET = object()


@transaction.atomic
def set_party_standing(
    *,
    person: Person,
    status: str,
    on: date,
    reason: str,
    acting_user,
    application_date=_UNSET,
    join_date=_UNSET,
    full_member_date=_UNSET,
) -> Person:
    """Move a person along 群众 → … → 正式党员. Called by the admission pipeline, which
    has checked the admission rules; the personal-data rules are checked again here."""
    person = Person.objects.select_for_update().select_related("branch").get(pk=person.pk)
    _require_open(person)
    before = snapshot(person)
    person.political_status = status
    for name, value in (
        ("application_date", application_date),
        ("join_date", join_date),
        ("full_member_date", full_member_date),
    ):
        if value is not _UNSET:
            setattr(person, name, value)
    problems = rules.check_person(
        rules.PersonFacts(
            name=person.name,
            gender=person.gender,
            birth_date=person.birth_date,
            id_number=person.id_number,
            phone=person.phone,
            political_status=person.political_status,
            application_date=person.application_date,
            join_date=person.join_date,
            full_member_date=person.full_member_date,
        ),
        today=_today(),
    )
    if problems:
        raise DomainError(problems)
    changes = audit.diff(before, snapshot(person))
    if not changes:
        return person
    person.save(
        update_fields=["political_status", "application_date", "join_date", "full_member_date", "updated_at"]
    )
    PersonEvent.objects.create(
        person=person,
        kind=PersonEventKind.UPDATED,
        on=on,
        summary=reason,
        changes=changes,
        actor=_user(acting_user),
    )
    audit.record(
        actor=acting_user,
        action="person.standing",
        obj=person,
        summary=f"{person.name}：{reason}",
        changes=changes,
    )
    return person
