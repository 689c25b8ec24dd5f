"""The roster sheet: its columns, their synonyms, and one row → PersonData.

A cell that cannot be read is a problem for that cell; the row's other cells are
still read so that one pass reports every problem of the file."""

from __future__ import annotations

from dataclasses import dataclass, field

from vanguard.core.errors import Problem
from vanguard.organizations import selectors as org_selectors
from vanguard.organizations.models import Organization, OrgKind, ProductionUnit, UnitKind
from vanguard.people.models import Education, Employment, Gender, PoliticalStatus
from vanguard.people.services import PersonData
from vanguard.sheets import values as cells
from vanguard.sheets.table import Column

C = Column
COLUMNS: list[Column] = [
    C("name", "姓名", ("名字", "党员姓名"), required=True),
    C("gender", "性别"),
    C("ethnicity", "民族"),
    C("birth_date", "出生日期", ("出生年月", "出生年月日", "出生时间", "生日")),
    C(
        "id_number",
        "身份证号",
        (
            "公民身份号码",
            "身份证号码",
            "身份证",
            "公民身份证号",
            "公民身份证号码",
            "身份证件号码",
            "证件号码",
        ),
        required=True,
    ),
    C("native_place", "籍贯"),
    C("education", "学历", ("文化程度", "最高学历", "全日制学历")),
    C("phone", "联系电话", ("手机", "手机号", "手机号码", "联系方式", "电话", "电话号码", "联系电话号码")),
    C("political_status", "政治面貌"),
    C(
        "application_date",
        "申请入党日期",
        ("申请入党时间", "入党申请时间", "入党申请日期", "递交入党申请书时间", "递交入党申请书日期"),
    ),
    C("join_date", "入党日期", ("入党时间", "加入党组织日期", "加入党组织时间")),
    C("full_member_date", "转正日期", ("转正时间", "转为正式党员日期", "转为正式党员时间")),
    C(
        "branch",
        "所在党支部",
        ("党支部", "所在支部", "所属党支部", "所属支部", "支部", "所在党组织"),
        required=True,
    ),
    C("group", "党小组", ("所在党小组", "所属党小组")),
    C("party_post", "党内职务", ("党内职务名称",)),
    C("work_district", "区队", ("所在区队", "所属区队")),
    C("crew", "班组", ("所在班组", "所属班组")),
    C("job_post", "岗位", ("工作岗位", "现岗位", "现任岗位")),
    C("job_type", "工种"),
    C("is_frontline", "是否一线", ("一线职工", "一线", "是否一线职工")),
    C("is_technician", "专业技术人员", ("是否专业技术人员", "专技人员")),
    C("is_backbone", "生产骨干", ("是否生产骨干",)),
    C("employment", "在岗情况", ("在岗状态",)),
    C("is_in_difficulty", "困难党员", ("是否困难党员", "困难职工", "困难党员/职工")),
    C("is_mobile", "流动党员", ("是否流动党员",)),
    C("note", "备注"),
]
LABELS = {c.key: c.label for c in COLUMNS}
DATE_FIELDS = ("birth_date", "application_date", "join_date", "full_member_date")
BOOL_FIELDS = ("is_frontline", "is_technician", "is_backbone", "is_in_difficulty", "is_mobile")
# Text fields and their database lengths (people.models.Person).
TEXT_FIELDS = {"native_place": 50, "party_post": 50, "job_post": 50, "job_type": 50, "note": 2000}

GENDERS = {"男": Gender.MALE, "女": Gender.FEMALE, "男性": Gender.MALE, "女性": Gender.FEMALE, "": ""}
STATUSES = {str(label): value for value, label in PoliticalStatus.choices} | {
    "中共党员": PoliticalStatus.FULL,
    "中共预备党员": PoliticalStatus.PROBATIONARY,
    "积极分子": PoliticalStatus.ACTIVIST,
    "申请人": PoliticalStatus.APPLICANT,
    "": PoliticalStatus.WORKER,
}
EDUCATION = {str(label): value for value, label in Education.choices} | {
    "研究生": Education.POSTGRADUATE,
    "硕士": Education.POSTGRADUATE,
    "博士": Education.POSTGRADUATE,
    "硕士研究生": Education.POSTGRADUATE,
    "博士研究生": Education.POSTGRADUATE,
    "本科": Education.BACHELOR,
    "大学": Education.BACHELOR,
    "大专": Education.COLLEGE,
    "专科": Education.COLLEGE,
    "中技": Education.SECONDARY_VOCATIONAL,
    "技校": Education.SECONDARY_VOCATIONAL,
    "职高": Education.SECONDARY_VOCATIONAL,
    "初中": Education.JUNIOR_OR_BELOW,
    "小学": Education.JUNIOR_OR_BELOW,
    "": "",
}
EMPLOYMENT = {str(label): value for value, label in Employment.choices} | {
    "离岗": Employment.OFF_POST,
    "内退": Employment.OFF_POST,
    "": Employment.ON_JOB,
}


@dataclass
class ParsedRow:
    row: int
    data: PersonData
    problems: list[Problem] = field(default_factory=list)

    @property
    def bad_fields(self) -> set[str]:
        return {p.field for p in self.problems}


class Places:
    """Resolves branch, group, work district and crew names, once per distinct text,
    against the organisation tree and units loaded once (a roster of 10,000 rows can
    name thousands of branches and groups: no query per name)."""

    def __init__(self):
        self._branches: dict[str, tuple[Organization | None, str]] = {}
        self._groups: dict[tuple[int, str], tuple[Organization | None, str]] = {}
        self._units: dict[int, dict[tuple[str, str], ProductionUnit]] | None = None
        self._directory: org_selectors.OrgDirectory | None = None

    @property
    def directory(self) -> org_selectors.OrgDirectory:
        if self._directory is None:
            self._directory = org_selectors.OrgDirectory()
        return self._directory

    def branch(self, text: str) -> tuple[Organization | None, str]:
        if text not in self._branches:
            org, reason = self.directory.resolve(text, kind=OrgKind.BRANCH)
            if org is None and "找不到" in reason:
                # Not a branch by that name: is it another kind? Then say so.
                other, _ = self.directory.resolve(text)
                if other is not None:
                    org, reason = other, ""
            self._branches[text] = (org, reason)
        return self._branches[text]

    def group(self, branch: Organization, text: str) -> tuple[Organization | None, str]:
        key = (branch.pk, text)
        if key not in self._groups:
            if "/" in text or "／" in text:
                found = self.directory.resolve(text)
            else:
                found = self.directory.resolve(text, parent_id=branch.pk)
                if found[0] is None:
                    other, _ = self.directory.resolve(text, kind=OrgKind.GROUP)
                    found = (
                        (other, "")
                        if other is not None
                        else (None, f"“{branch.name}”下没有名为“{text}”的党小组")
                    )
            self._groups[key] = found
        return self._groups[key]

    def unit(self, branch: Organization, kind: str, name: str) -> ProductionUnit | None:
        """A unit covered by the branch or one of its groups (the oldest when names repeat)."""
        if self._units is None:
            self._units = {}
            orgs = self.directory.orgs
            for u in ProductionUnit.objects.filter(is_active=True).select_related("parent").order_by("id"):
                owner = orgs.get(u.organization_id)
                if owner is None:
                    continue
                branch_id = owner.pk if owner.kind != OrgKind.GROUP else owner.parent_id
                self._units.setdefault(branch_id, {}).setdefault((u.kind, u.name), u)
        return self._units.get(branch.pk, {}).get((kind, name))


def parse_row(number: int, values: list, index: dict[str, int], places: Places) -> ParsedRow:
    """One sheet row → PersonData plus the problems of its cells."""
    problems: list[Problem] = []
    get = {key: (values[i] if i < len(values) else None) for key, i in index.items()}

    def fail(key: str, message: str, code: str = "invalid") -> None:
        problems.append(Problem(LABELS[key], f"{LABELS[key]}：{message}", code))

    def convert(key: str, parse, default=None):
        if key not in get:
            return default
        try:
            return parse(get[key])
        except cells.CellProblem as exc:
            fail(key, str(exc))
            return default

    data = PersonData(name=cells.text(get.get("name")), gender=None, birth_date=None, branch=None)
    id_number = convert("id_number", lambda v: cells.digits(v, kind="身份证号"), "")
    data.id_number = id_number or None
    if not id_number and "id_number" not in {p.field for p in problems}:
        fail("id_number", "导入时必须填写（按身份证号识别人员，一人一档）", "required")
    data.phone = convert("phone", lambda v: cells.digits(v, kind="电话号码"), "")
    data.gender = convert("gender", lambda v: cells.choice(v, GENDERS, what="性别")) or None
    data.political_status = convert(
        "political_status", lambda v: cells.choice(v, STATUSES, what="政治面貌"), "worker"
    )
    data.education = convert("education", lambda v: cells.choice(v, EDUCATION, what="学历"), "")
    data.employment = convert("employment", lambda v: cells.choice(v, EMPLOYMENT, what="在岗情况"), "on_job")
    for key in DATE_FIELDS:
        setattr(data, key, convert(key, cells.parse_date))
    for key in BOOL_FIELDS:
        setattr(data, key, convert(key, cells.boolean, False))
    ethnicity = cells.text(get.get("ethnicity")).replace(" ", "")
    if ethnicity and not ethnicity.endswith("族"):
        ethnicity += "族"  # 汉 → 汉族
    data.ethnicity = ethnicity or "汉族"
    if len(data.ethnicity) > 20:
        fail("ethnicity", f"不能超过 20 个字，实为“{data.ethnicity}”")
    for key, limit in TEXT_FIELDS.items():
        value = cells.text(get.get(key))
        if len(value) > limit:
            fail(key, f"不能超过 {limit} 个字（现有 {len(value)} 个字）")
            value = value[:limit]
        setattr(data, key, value)
    if len(data.phone) > 20:
        fail("phone", f"应为 11 位手机号（1 开头）或带区号的固定电话，实为“{data.phone}”")

    branch_text = cells.text(get.get("branch"))
    if not branch_text:
        fail("branch", "不能为空", "required")
    else:
        org, reason = places.branch(branch_text)
        if org is None:
            fail("branch", reason, "unknown")
        data.branch = org
    group_text = cells.text(get.get("group"))
    if group_text and data.branch is not None:
        org, reason = places.group(data.branch, group_text)
        if org is None:
            fail("group", reason, "unknown")
        data.group = org
    for key, kind in (("work_district", UnitKind.WORK_DISTRICT), ("crew", UnitKind.CREW)):
        name = cells.text(get.get(key))
        if name and data.branch is not None:
            unit = places.unit(data.branch, kind, name)
            if unit is None:
                fail(key, f"“{data.branch.name}”覆盖的{LABELS[key]}中没有“{name}”", "unknown")
            setattr(data, key, unit)
    if data.crew is not None and data.work_district is None and "work_district" not in index:
        data.work_district = places_parent(data.crew)
    return ParsedRow(number, data, problems)


def places_parent(crew: ProductionUnit) -> ProductionUnit | None:
    """A crew's work district, when the sheet names the crew only."""
    return crew.parent if crew.parent_id else None


def present_fields(index: dict[str, int]) -> set[str]:
    """The PersonData fields the sheet sets (others keep an existing person's values).
    Birth date and gender follow from the ID number when their columns are absent."""
    present = set(index)
    if "crew" in present:
        present.add("work_district")
    return present
