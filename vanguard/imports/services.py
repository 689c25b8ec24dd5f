"""The two imports, shared by the command line and the UI (issue 2 point 6).

`source` is a filesystem path or a binary file object of an .xlsx workbook.
`acting_user=None` is the operator on the command line: no scope limits. A UI user is
limited by `accounts.policy.scope_of(user)`.

All or nothing: the import runs in one transaction; any invalid row (or a dry run)
rolls it back, and every problem is reported with its Excel row and column. A file that
cannot be read at all raises `UnreadableFile` (Chinese message)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from vanguard.accounts.policy import scope_of
from vanguard.core.errors import Problem
from vanguard.imports import orgs as org_sheet
from vanguard.imports import roster
from vanguard.imports.report import ImportReport, RowError
from vanguard.people import bulk
from vanguard.people import rules as people_rules
from vanguard.sheets.reader import UnreadableSheet, Workbook
from vanguard.sheets.table import find_header, missing_header_problem

__all__ = ["ImportReport", "RowError", "UnreadableFile", "import_orgs", "import_roster"]

UnreadableFile = UnreadableSheet
CHUNK = 1000  # rows validated and written together; bounds the memory of an import


class _Rollback(Exception):
    pass


def _source_name(source) -> str:
    name = source if isinstance(source, str) else getattr(source, "name", "") or ""
    return str(name).replace("\\", "/").rsplit("/", 1)[-1][:100]


def _refused(acting_user, action: str, what: str) -> ImportReport | None:
    if acting_user is not None and not scope_of(acting_user).may(action):
        return ImportReport(errors=[RowError(0, "", f"您的职务无权{what}")])
    return None


# --- the roster -----------------------------------------------------------------------
def import_roster(source, *, dry_run: bool, acting_user) -> ImportReport:
    refused = _refused(acting_user, "import.roster", "导入花名册")
    if refused:
        return refused
    report = ImportReport(dry_run=dry_run)
    with Workbook(source) as book:
        header, rows = find_header(book.rows(), roster.COLUMNS)
        if header is None:
            p = missing_header_problem(roster.COLUMNS)
            report.add(p.row, p.column, p.message)
            return report.finish()
        for p in header.problems:
            report.add(p.row, p.column, p.message)
        if report.errors:
            return report.finish()
        try:
            with transaction.atomic():
                _RosterRun(report, header.index, acting_user, _source_name(source), dry_run).run(rows)
                if dry_run or report.errors:
                    raise _Rollback
        except _Rollback:
            pass
        except IntegrityError:
            report.add(
                0,
                "身份证号",
                "身份证号：导入期间有其他操作登记了相同身份证号的人员，未写入任何数据，请重新导入",
            )
    return report.finish()


def _compact(id_number: str):
    """An ID number as one int (18 digits, X as 10): the file's ID numbers are kept
    for the duplicate check, and an int costs a third of the string."""
    if (
        len(id_number) == 18
        and id_number[:17].isdigit()
        and (id_number[17].isdigit() or id_number[17] == "X")
    ):
        return int(id_number[:17]) * 11 + (10 if id_number[17] == "X" else int(id_number[17]))
    return id_number


class _RosterRun:
    def __init__(self, report: ImportReport, index: dict[str, int], acting_user, source_name: str, dry_run):
        self.report = report
        self.index = index
        self.acting_user = acting_user
        self.write = not dry_run
        self.places = roster.Places()
        self.present = roster.present_fields(index)
        self.today = timezone.localdate()
        self.writer = bulk.Writer(acting_user=acting_user, source_name=source_name)
        self.seen: dict = {}  # ID number (compact) → first row, for duplicates within the file
        self.placements: dict[tuple, list] = {}
        key_cols = [index[k] for k in ("name", "id_number") if k in index]
        self.key_cols = key_cols
        self.columns = list(index.values())

    def _blank(self, values: list) -> bool:
        filled = [i for i in self.columns if i < len(values) and values[i] not in (None, "")]
        if not filled:
            return True
        # A note under the table ("填表人：…") fills one cell and neither name nor ID.
        return len(filled) == 1 and not any(i in filled for i in self.key_cols)

    def run(self, rows) -> None:
        chunk: list[roster.ParsedRow] = []
        for row in rows:
            if self._blank(row.values):
                continue
            self.report.rows += 1
            chunk.append(roster.parse_row(row.number, row.values, self.index, self.places))
            if len(chunk) >= CHUNK:
                self._process(chunk)
                chunk = []
        if chunk:
            self._process(chunk)
        if self.write and not self.report.errors:
            self.writer.summary(
                created=self.report.created, updated=self.report.updated, unchanged=self.report.unchanged
            )

    def _placement(self, data) -> list:
        key = (
            data.branch.pk if data.branch else None,
            data.group.pk if data.group else None,
            data.work_district.pk if data.work_district else None,
            data.crew.pk if data.crew else None,
        )
        if key not in self.placements:
            self.placements[key] = bulk.placement_check(data, self.acting_user)
        return self.placements[key]

    def _process(self, chunk: list[roster.ParsedRow]) -> None:
        for parsed in chunk:
            if parsed.data.id_number:
                parsed.data.id_number = people_rules.normalize_id_number(parsed.data.id_number)
        existing = bulk.existing_by_id_number(p.data.id_number for p in chunk)
        staged: list[bulk.Staged] = []
        for parsed in chunk:
            data, problems = parsed.data, parsed.problems
            person = existing.get(data.id_number) if data.id_number else None
            if data.id_number:
                first = self.seen.setdefault(_compact(data.id_number), parsed.row)
                if first != parsed.row:
                    problems.append(
                        Problem(
                            "身份证号",
                            f"身份证号：与第 {first} 行重复（同一文件中每人只能出现一次）",
                            "duplicate",
                        )
                    )
                    person = None
            if person is not None:
                bulk.fill_absent(data, person, self.present)
                problems += bulk.existing_problems(person, data, self.acting_user)
            data.normalized()
            bad = parsed.bad_fields
            checked = bulk.person_problems(data, today=self.today)
            id_bad = "身份证号" in bad or any(p.field == "身份证号" for p in checked)
            for p in checked:
                if p.field in bad:
                    continue
                if id_bad and p.code == "required" and p.field in ("出生日期", "性别"):
                    continue  # they would follow from the ID number, whose problem is reported
                problems.append(p)
            if data.branch is not None and "所在党支部" not in bad:
                problems += [p for p in self._placement(data) if p.field not in bad]
            if problems:
                for p in problems:
                    self.report.add(parsed.row, p.field, p.message)
                continue
            s = bulk.Staged(parsed.row, data, person, bulk.changes_for(person, data) if person else {})
            setattr(self.report, s.outcome, getattr(self.report, s.outcome) + 1)
            staged.append(s)
        if self.write and not self.report.errors and staged:
            self.writer.write(staged)


# --- the organisation tree ------------------------------------------------------------------
def import_orgs(source, *, dry_run: bool, acting_user) -> ImportReport:
    refused = _refused(acting_user, "import.orgs", "导入组织")
    if refused:
        return refused
    report = ImportReport(dry_run=dry_run)
    with Workbook(source) as book:
        header, rows = find_header(book.rows(), org_sheet.COLUMNS)
        if header is None:
            p = missing_header_problem(org_sheet.COLUMNS)
            report.add(p.row, p.column, p.message)
            return report.finish()
        for p in header.problems:
            report.add(p.row, p.column, p.message)
        if report.errors:
            return report.finish()
        entries = org_sheet.read_entries(rows, header.index, report)
    try:
        with transaction.atomic():
            org_sheet.apply(entries, report, acting_user=acting_user, source_name=_source_name(source))
            if dry_run or report.errors:
                raise _Rollback
    except _Rollback:
        pass
    return report.finish()
