"""The organisation-tree sheet: 组织名称, 上级组织 (empty for the top), 组织类型.

Rows are matched by name under their parent: a row whose organisation already exists
changes nothing, so re-importing creates nothing. Parents may come after their children
in the sheet: a parent is looked up by name among the sheet's rows first, then in the
system. New organisations go through `organizations.services.create_organization`
(placement, scope, uniqueness, history and audit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from vanguard.core import audit
from vanguard.core.errors import DomainError
from vanguard.imports.report import ImportReport
from vanguard.organizations import selectors as org_selectors
from vanguard.organizations import services as org_services
from vanguard.organizations.models import Organization, OrgStatus
from vanguard.organizations.rules import KIND_BY_LABEL, KIND_LABELS
from vanguard.sheets import values as cells
from vanguard.sheets.table import Column

COLUMNS = [
    Column("name", "组织名称", ("名称", "党组织名称", "组织", "党组织"), required=True),
    Column("parent", "上级组织", ("上级党组织", "上级", "隶属党组织", "所属上级组织", "上级组织名称")),
    Column("kind", "组织类型", ("类型", "党组织类型", "组织类别", "党组织类别"), required=True),
    Column("established_on", "成立日期", ("成立时间",)),
]
KINDS = dict(KIND_BY_LABEL) | {
    "基层党委": "committee",
    "党总支部": "general_branch",
    "总支": "general_branch",
    "支部": "branch",
    "小组": "group",
}


@dataclass(eq=False)
class Entry:
    row: int
    name: str
    parent_text: str
    kind: str | None
    established_on: date | None
    bad: bool = False  # the row has a problem of its own
    parent: Entry | Organization | None = None
    org: Organization | None = None  # once created or matched
    state: str = ""  # "", "resolving", "done", "failed"
    ancestors: list[str] = field(default_factory=list)


def read_entries(rows, index: dict[str, int], report: ImportReport) -> list[Entry]:
    entries = []
    for row in rows:
        get = {k: (row.values[i] if i < len(row.values) else None) for k, i in index.items()}
        if all(v in (None, "") for v in get.values()):
            continue
        report.rows += 1
        name = " ".join(cells.text(get.get("name")).split())
        parent_text = cells.text(get.get("parent"))
        kind_text = cells.text(get.get("kind")).replace(" ", "")
        entry = Entry(row.number, name, parent_text, KINDS.get(kind_text), None)
        if not name:
            report.add(row.number, "组织名称", "组织名称：不能为空")
            entry.bad = True
        elif len(name) > 100:
            report.add(row.number, "组织名称", "组织名称：不能超过 100 个字")
            entry.bad = True
        if entry.kind is None:
            shown = f"，实为“{kind_text}”" if kind_text else "，不能为空"
            report.add(row.number, "组织类型", f"组织类型：应为 党委、党总支、党支部 或 党小组{shown}")
            entry.bad = True
        try:
            entry.established_on = cells.parse_date(get.get("established_on"))
        except cells.CellProblem as exc:
            report.add(row.number, "成立日期", f"成立日期：{exc}")
            entry.bad = True
        entries.append(entry)
    return entries


class _Tree:
    def __init__(self, entries: list[Entry], report: ImportReport, acting_user):
        self.entries = entries
        self.report = report
        self.acting_user = acting_user
        self.by_name: dict[str, list[Entry]] = {}
        for e in entries:
            self.by_name.setdefault(e.name, []).append(e)
        self.keys: dict[tuple, Entry] = {}

    def names_up(self, target) -> list[str]:
        """Names of `target` and its ancestors, nearest first (for path matching)."""
        out = []
        seen = set()
        while isinstance(target, Entry) and id(target) not in seen:
            seen.add(id(target))
            out.append(target.name)
            self.resolve_parent(target)
            target = target.parent
        if isinstance(target, Organization):
            out.append(target.name)
            out += [o.name for o in reversed(org_selectors.ancestors_of(target))]
        return out

    def resolve_parent(self, e: Entry) -> None:
        """Set e.parent to a sheet entry, an existing organisation or None (the top)."""
        if e.state in ("parent", "resolving_parent", "done", "failed"):
            return
        e.state = "resolving_parent"
        if not e.parent_text:
            e.parent, e.state = None, "parent"
            return
        parts = [p.strip() for p in e.parent_text.replace("／", "/").split("/") if p.strip()]
        candidates = [c for c in self.by_name.get(parts[-1], []) if c is not e]
        if len(parts) > 1:
            chain = parts[:-1]
            kept = []
            for c in candidates:
                ancestors = iter(self.names_up(c)[1:])
                if all(any(a == name for a in ancestors) for name in reversed(chain)):
                    kept.append(c)
            candidates = kept
        if len({c.parent_text for c in candidates}) == 1:
            candidates = candidates[:1]  # the same row twice: its duplicate is reported on its own
        if len(candidates) == 1:
            e.parent = candidates[0]
        elif len(candidates) > 1:
            rows = "、".join(str(c.row) for c in candidates)
            self.report.add(
                e.row,
                "上级组织",
                f"上级组织：表中有 {len(candidates)} 行（第 {rows} 行）都叫“{parts[-1]}”，请写明上级，如“上级党委/{parts[-1]}”",
            )
            e.bad = True
        else:
            org, reason = org_selectors.resolve_by_name(e.parent_text)
            if org is None:
                self.report.add(
                    e.row, "上级组织", f"上级组织：表中和系统中都{reason.replace('找不到', '没有', 1)}"
                )
                e.bad = True
            e.parent = org
        e.state = "parent"

    def ensure(self, e: Entry, trail: tuple = ()) -> Organization | None:
        """Create or match e (its parent first). Returns the organisation or None."""
        if e.state == "done":
            return e.org
        if e.state == "failed":
            return None
        if e in trail:
            self.report.add(e.row, "上级组织", "上级组织：表中的上下级关系形成了循环")
            e.state = "failed"
            return None
        self.resolve_parent(e)
        parent_org = None
        if isinstance(e.parent, Entry):
            parent_org = self.ensure(e.parent, (*trail, e))
            if parent_org is None and e.state != "failed":
                if not e.bad:
                    self.report.add(
                        e.row,
                        "上级组织",
                        f"上级组织：“{e.parent.name}”（第 {e.parent.row} 行）有错误，未能建立",
                    )
                e.state = "failed"
                return None
        elif isinstance(e.parent, Organization):
            parent_org = e.parent
        if e.state == "failed":
            return None
        if e.bad:
            e.state = "failed"
            return None
        key = (parent_org.pk if parent_org else None, e.name)
        if key in self.keys:
            first = self.keys[key]
            self.report.add(e.row, "组织名称", f"组织名称：与第 {first.row} 行重复")
            e.state = "failed"
            return None
        self.keys[key] = e
        existing = Organization.objects.filter(
            parent=parent_org, name=e.name, status=OrgStatus.ACTIVE
        ).first()
        if existing is not None:
            if existing.kind != e.kind:
                self.report.add(
                    e.row,
                    "组织类型",
                    f"组织类型：系统中“{e.name}”是{KIND_LABELS[existing.kind]}，表中写的是{KIND_LABELS[e.kind]}",
                )
                e.state = "failed"
                return None
            self.report.unchanged += 1
            e.org, e.state = existing, "done"
            return existing
        try:
            e.org = org_services.create_organization(
                name=e.name,
                kind=e.kind,
                parent=parent_org,
                acting_user=self.acting_user,
                established_on=e.established_on,
            )
        except DomainError as exc:
            for p in exc.problems:
                self.report.add(e.row, p.field or "组织名称", p.message)
            e.state = "failed"
            return None
        self.report.created += 1
        e.state = "done"
        return e.org


def apply(entries: list[Entry], report: ImportReport, *, acting_user, source_name: str) -> None:
    tree = _Tree(entries, report, acting_user)
    for e in entries:
        tree.ensure(e)
    if not report.errors and not report.dry_run:
        audit.record(
            actor=acting_user,
            action="import.orgs",
            summary=f"导入组织{('“' + source_name + '”') if source_name else ''}：新建 {report.created} 个，"
            f"已有 {report.unchanged} 个",
            changes={"created": report.created, "unchanged": report.unchanged, "file": source_name},
        )
