"""The batch write of people, for the roster import (issue 2 point 6).

The same rules as `services.create_person/update_person` (`rules.check_person`,
`services.placement_problems`, the refusals of `update_person`), applied to batches:
existing people are loaded by ID number a chunk at a time, compared field by field,
and written with bulk_create / bulk_update, with one PersonEvent and one audit row per
created or changed person. Unchanged people write nothing. The caller holds the
transaction (one `transaction.atomic` around the whole import)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from vanguard.accounts.policy import scope_of
from vanguard.core.audit import _jsonable
from vanguard.core.bulk import insert_rows
from vanguard.core.context import current_ip
from vanguard.core.errors import DomainError, Problem
from vanguard.core.models import AuditEntry
from vanguard.people import rules
from vanguard.people.models import Person, PersonEvent, PersonEventKind
from vanguard.people.services import (
    FIELD_NAMES,
    PersonData,
    _label,
    _redact,
    _require_manage,
    _require_open,
    placement_problems,
)

FK_FIELDS = ("branch", "group", "work_district", "crew")
BATCH = 500


@dataclass
class Staged:
    """One row of the import, validated, ready to write."""

    row: int
    data: PersonData
    person: Person | None  # the existing person with the same ID number
    changes: dict = field(default_factory=dict)  # {field: [old, new]} for an existing person

    @property
    def outcome(self) -> str:
        if self.person is None:
            return "created"
        return "updated" if self.changes else "unchanged"


def existing_by_id_number(id_numbers: Iterable[str]) -> dict[str, Person]:
    """The people already registered under these ID numbers (one query)."""
    ids = [i for i in id_numbers if i]
    if not ids:
        return {}
    people = (
        Person.objects.filter(id_number__in=ids).select_related("branch").defer("created_at", "updated_at")
    )
    return {p.id_number: p for p in people}


def fill_absent(data: PersonData, person: Person, present: set[str]) -> None:
    """A column the sheet does not have leaves the person's value as it is."""
    for name in FIELD_NAMES:
        if name not in present:
            attname = f"{name}_id" if name in FK_FIELDS else name
            if name in FK_FIELDS:
                setattr(data, name, getattr(person, name) if getattr(person, attname) else None)
            else:
                setattr(data, name, getattr(person, name))


def person_problems(data: PersonData, *, today: date) -> list[Problem]:
    """`rules.check_person` on the data (the placement is checked apart, see
    `placement_problems`, because rows share their placement)."""
    return rules.check_person(
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
        today=today,
    )


def placement_check(data: PersonData, acting_user) -> list[Problem]:
    """`services.placement_problems`, plus the import's own permission: a UI user
    imports only into branches within their "import.roster" scope."""
    problems = placement_problems(data, acting_user)
    if (
        acting_user is not None
        and data.branch is not None
        and not any(p.code == "forbidden" for p in problems)
    ):
        probe = Person(branch=data.branch, group=data.group)
        if not scope_of(acting_user).allows_person("import.roster", probe):
            problems.append(
                Problem("所在党支部", f"所在党支部：“{data.branch.name}”超出您的导入范围", "forbidden")
            )
    return problems


def existing_problems(person: Person, data: PersonData, acting_user) -> list[Problem]:
    """What `update_person` refuses, for a row matching an existing person."""
    problems = []
    for check in (lambda: _require_manage(person, acting_user), lambda: _require_open(person)):
        try:
            check()
        except DomainError as exc:
            problems += [
                Problem("身份证号", p.message.replace("人员：", "身份证号：该身份证号对应的人员", 1), p.code)
                for p in exc.problems
            ]
    if problems:
        return problems
    if data.branch is not None and data.branch.pk != person.branch_id:
        problems.append(
            Problem(
                "所在党支部",
                f"所在党支部：该人员现属“{person.branch.name}”，导入不能更换支部，请办理组织关系转接",
                "use_transfer",
            )
        )
    return problems


_COMPARED = [(name, f"{name}_id" if name in FK_FIELDS else name, name in FK_FIELDS) for name in FIELD_NAMES]


def changes_for(person: Person, data: PersonData) -> dict:
    """{field: [old, new]} as `services.snapshot` would show them; one pass, no copies
    (10,000 unchanged rows must cost little)."""
    changes = {}
    for name, attname, is_fk in _COMPARED:
        old = getattr(person, attname)
        new = getattr(data, name)
        if is_fk and new is not None:
            new = new.pk
        if old != new:
            changes[name] = [v.isoformat() if isinstance(v, date) else v for v in (old, new)]
    return changes


def _apply(person: Person, data: PersonData, names: Iterable[str]) -> None:
    for name in names:
        setattr(person, name, getattr(data, name))


class Writer:
    """Writes staged rows in batches and counts them. `flush()` after the last batch;
    `summary()` writes the one "import.roster" audit row."""

    def __init__(self, *, acting_user, on: date | None = None, source_name: str = ""):
        self.acting_user = acting_user
        self.actor = acting_user if acting_user is not None and acting_user.is_authenticated else None
        self.actor_name = (acting_user.get_username() if self.actor else str(acting_user or ""))[:150]
        self.on = on or timezone.localdate()
        self.source_name = source_name
        self.ip = current_ip.get()
        self._pinyin: dict[str, tuple[str, str]] = {}

    def _keys(self, name: str) -> tuple[str, str]:
        keys = self._pinyin.get(name)
        if keys is None:
            if len(self._pinyin) > 2000:  # bounded: memory must not grow with the file
                self._pinyin.clear()
            keys = self._pinyin[name] = rules.search_keys(name)
        return keys

    def _audit(self, action: str, person: Person, summary: str, changes: dict) -> AuditEntry:
        return AuditEntry(
            actor=self.actor,
            actor_name=self.actor_name,
            action=action,
            object_type="people.person",
            object_id=str(person.pk),
            summary=summary[:500],
            changes=_jsonable(changes),
            ip=self.ip,
        )

    def write(self, staged: Sequence[Staged]) -> None:
        new = [s for s in staged if s.person is None]
        changed = [s for s in staged if s.person is not None and s.changes]
        events: list[PersonEvent] = []
        audits: list[AuditEntry] = []
        if new:
            now = timezone.now()
            rows = []
            for st in new:
                values = {name: getattr(st.data, name) for name in FIELD_NAMES}
                values["name_pinyin"], values["name_initials"] = self._keys(st.data.name)
                rows.append(values)
            insert_rows(Person, rows, now=now)
            ids = dict(
                Person.objects.filter(id_number__in=[st.data.id_number for st in new]).values_list(
                    "id_number", "id"
                )
            )
            summary = "批量导入建档" + (f"（{self.source_name}）" if self.source_name else "")
            actor_id = self.actor.pk if self.actor else None
            event_rows, audit_rows = [], []
            for st in new:
                pk = ids[st.data.id_number]
                event_rows.append(
                    {
                        "person": pk,
                        "kind": PersonEventKind.IMPORTED.value,
                        "on": self.on,
                        "to_branch": st.data.branch.pk,
                        "summary": summary,
                        "actor": actor_id,
                    }
                )
                audit_rows.append(
                    {
                        "actor": actor_id,
                        "actor_name": self.actor_name,
                        "action": "person.create",
                        "object_type": "people.person",
                        "object_id": str(pk),
                        "summary": f"导入建档：{st.data.name}"[:500],
                        "changes": {},
                        "ip": self.ip,
                    }
                )
            insert_rows(PersonEvent, event_rows, now=now)
            insert_rows(AuditEntry, audit_rows, now=now)
        if changed:
            now = timezone.now()
            fields = {"updated_at", "name_pinyin", "name_initials"}
            people = []
            for s in changed:
                person = s.person
                _apply(person, s.data, s.changes)
                person.name_pinyin, person.name_initials = self._keys(person.name)
                person.updated_at = now
                fields.update(s.changes)
                people.append(person)
                events.append(
                    PersonEvent(
                        person=person,
                        kind=PersonEventKind.UPDATED,
                        on=self.on,
                        summary="批量导入修改：" + "、".join(_label(k) for k in s.changes),
                        changes=_jsonable(s.changes),
                        actor=self.actor,
                    )
                )
                audits.append(
                    self._audit("person.update", person, f"导入修改：{person.name}", _redact(s.changes))
                )
            Person.objects.bulk_update(people, sorted(fields), batch_size=BATCH)
        PersonEvent.objects.bulk_create(events, batch_size=BATCH)
        AuditEntry.objects.bulk_create(audits, batch_size=BATCH)

    def summary(self, *, created: int, updated: int, unchanged: int) -> None:
        AuditEntry.objects.create(
            actor=self.actor,
            actor_name=self.actor_name,
            action="import.roster",
            object_type="",
            object_id="",
            summary=f"导入花名册{('“' + self.source_name + '”') if self.source_name else ''}："
            f"新建 {created} 人，修改 {updated} 人，未变 {unchanged} 人"[:500],
            changes={
                "created": created,
                "updated": updated,
                "unchanged": unchanged,
                "file": self.source_name,
            },
            ip=self.ip,
        )
