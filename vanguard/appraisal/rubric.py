"""The rubric of the quantitative appraisal (党员量化考核细则, issue 4 point 7): the
enterprise's default, the version in force, and a new version set by the organisation
department. A version is never edited (the models refuse): a change is a new version,
and a cycle keeps the version it was opened with (docs/decisions/0013)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Prefetch

from vanguard.accounts.policy import scope_of
from vanguard.appraisal.models import Rubric, RubricAspect, RubricItem
from vanguard.core import audit
from vanguard.core.errors import DomainError, Problem
from vanguard.organizations.models import Organization

TOTAL = Decimal(100)

# The enterprise default: 7 aspects, 18 items, 100 points, written for a coal-mine
# branch (seed 004 names the four sources and the flags but leaves the 细则 to the
# enterprise). Safety carries the most weight, as in every mine's own 考核细则.
DEFAULT_TITLE = "党员量化考核细则"
DEFAULT_ASPECTS: tuple[tuple[str, tuple[tuple[str, str, int], ...]], ...] = (
    (
        "政治素质",
        (
            ("理想信念与政治立场", "坚定理想信念，在大是大非面前立场坚定", 5),
            ("理论学习", "按计划参加集中学习、学习强国等自学，学习笔记完整", 5),
            ("遵守党章党规", "履行党员义务，执行党的决定，无违规违纪", 5),
        ),
    ),
    (
        "组织生活",
        (
            ("参加“三会一课”", "按时参加支部党员大会、党小组会和党课，无故缺席一次扣 2 分", 6),
            ("按时交纳党费", "按月足额交纳党费，逾期一次扣 1 分", 4),
            ("主题党日与志愿服务", "参加主题党日、党员先锋岗和志愿服务活动", 5),
        ),
    ),
    (
        "安全生产",
        (
            ("杜绝“三违”", "本人无违章指挥、违章作业、违反劳动纪律，有一次“三违”扣 4 分", 8),
            ("排查治理隐患", "主动排查、报告、整改隐患，发现制止他人“三违”", 7),
            ("安全培训与手指口述", "参加安全培训考试合格，岗位作业规范", 5),
        ),
    ),
    (
        "岗位业绩",
        (
            ("完成生产任务", "完成区队（班组）下达的生产、工作任务，质量达标", 8),
            ("技术创新与合理化建议", "开展小改小革、技术攻关，合理化建议被采纳", 7),
        ),
    ),
    (
        "联系群众",
        (
            ("落实“1+2+3”联系点", "联系 1 个班组、2 名入党积极分子、3 名职工群众，定期谈心走访", 6),
            ("为群众办实事", "帮助职工解决实际困难，群众反映好", 4),
        ),
    ),
    (
        "作风纪律",
        (
            ("遵守劳动纪律", "按时出勤，无迟到早退、脱岗睡岗", 5),
            ("廉洁自律", "遵守廉洁规定，不吃拿卡要", 5),
            ("团结协作", "团结同事，服从安排，群众口碑好", 5),
        ),
    ),
    (
        "争优承诺",
        (
            ("目标卡承诺兑现", "党员争优目标计划卡的目标、承诺按季度兑现", 6),
            ("完成组织安排任务（X）", "按期完成支部安排的临时性任务", 4),
        ),
    ),
)


@dataclass
class ItemInput:
    aspect: str
    name: str
    max_points: Decimal | str
    guidance: str = ""


@dataclass
class RubricView:
    """A version as read for a page or a grid: aspects in order, each with its items."""

    rubric: Rubric
    aspects: list[tuple[RubricAspect, list[RubricItem]]] = field(default_factory=list)

    @property
    def items(self) -> list[RubricItem]:
        return [it for _, items in self.aspects for it in items]

    @property
    def total(self) -> Decimal:
        return sum((it.max_points for it in self.items), Decimal(0))


def root_of(organization: Organization) -> Organization:
    ids = organization.ancestor_ids
    return Organization.objects.get(pk=ids[0]) if ids else organization


def ensure_default_rubric(*, organization: Organization) -> Rubric:
    """The enterprise's rubric in force, the default created on first use on the root of
    the tree (like the monthly assessment's `ensure_default_rules`)."""
    root = root_of(organization)
    latest = Rubric.objects.filter(organization=root).order_by("-version").first()
    if latest is not None:
        return latest
    try:
        with transaction.atomic():
            rubric = Rubric.objects.create(
                organization=root, version=1, title=DEFAULT_TITLE, note="默认细则（系统初始）"
            )
            _create_items(
                rubric,
                [
                    ItemInput(aspect, name, Decimal(points), guidance)
                    for aspect, items in DEFAULT_ASPECTS
                    for name, guidance, points in items
                ],
            )
    except IntegrityError:  # created meanwhile by another request
        return Rubric.objects.get(organization=root, version=1)
    return rubric


def rubric_in_force(*, organization: Organization) -> Rubric:
    return ensure_default_rubric(organization=organization)


def read(rubric: Rubric) -> RubricView:
    """A version with its aspects and items, in two queries."""
    aspects = list(
        RubricAspect.objects.filter(rubric=rubric).prefetch_related(
            Prefetch("items", queryset=RubricItem.objects.order_by("position", "id"))
        )
    )
    view = RubricView(rubric, [(a, list(a.items.all())) for a in aspects])
    for _, items in view.aspects:
        for i, it in enumerate(items):
            it.starts_aspect = i == 0  # a thicker line between aspects in the grid
            it.max_plain = plain(it.max_points)
    return view


def plain(value: Decimal) -> str:
    """Points as written on paper: 5, 7.5 (never 5.0)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def versions(*, organization: Organization) -> list[Rubric]:
    return list(Rubric.objects.filter(organization=root_of(organization)).order_by("-version"))


def _points(raw) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def check(items: list[ItemInput]) -> list[str]:
    """Every problem of a proposed version, in Chinese, each naming the field and the
    rule: items need a name, an aspect and points above 0 with at most one decimal;
    item names are unique; the points add up to exactly 100. The default has 7 aspects
    and 18 items, but another count is allowed (docs/decisions/0013)."""
    problems = []
    if not items:
        return ["考核内容：至少一项"]
    seen: set[str] = set()
    total = Decimal(0)
    for n, it in enumerate(items, start=1):
        name = it.name.strip()
        where = f"第 {n} 项“{name}”" if name else f"第 {n} 项"
        if not name:
            problems.append(f"考核内容：{where}的名称不能为空")
        elif name in seen:
            problems.append(f"考核内容：“{name}”重复，名称不能相同")
        seen.add(name)
        if not it.aspect.strip():
            problems.append(f"方面：{where}没有填写所属方面")
        points = _points(it.max_points)
        if points is None:
            problems.append(f"分值：{where}的分值应为数字，实为“{it.max_points}”")
            continue
        if points <= 0:
            problems.append(f"分值：{where}的分值应大于 0，实为 {points}")
        elif points != points.quantize(Decimal("0.1")):
            problems.append(f"分值：{where}的分值最多一位小数，实为 {points}")
        elif points >= 1000:
            problems.append(f"分值：{where}的分值过大（{points}）")
        total += points
    if not problems and total != TOTAL:
        problems.append(f"分值合计：各项分值之和应为 100，实为 {total.normalize():f}")
    return problems


def _create_items(rubric: Rubric, items: list[ItemInput]) -> None:
    aspects: dict[str, RubricAspect] = {}
    for it in items:
        name = it.aspect.strip()
        if name not in aspects:
            aspects[name] = RubricAspect.objects.create(rubric=rubric, name=name, position=len(aspects))
    RubricItem.objects.bulk_create(
        RubricItem(
            rubric=rubric,
            aspect=aspects[it.aspect.strip()],
            name=it.name.strip(),
            guidance=it.guidance.strip(),
            max_points=_points(it.max_points),
            position=i,
        )
        for i, it in enumerate(items)
    )


@transaction.atomic
def new_version(
    *, organization: Organization, items: list[ItemInput], acting_user, title: str = "", note: str = ""
) -> Rubric:
    """A new version of the enterprise's rubric (organisation department only). Items are
    grouped into aspects by their aspect name, in the order first met. Cycles already
    opened keep their version; cycles opened from now on use this one."""
    root = Organization.objects.select_for_update().get(pk=root_of(organization).pk)
    if acting_user is not None and not scope_of(acting_user).allows_org("appraisal.rubric", root):
        raise DomainError("考核细则：须由组织部制定", field="考核细则", code="forbidden")
    ensure_default_rubric(organization=root)
    problems = check(items)
    title = (title or "").strip() or DEFAULT_TITLE
    if len(title) > 100:
        problems.append("名称：最多 100 个字")
    if problems:
        raise DomainError([Problem(p.split("：", 1)[0], p, "invalid") for p in problems])
    latest = Rubric.objects.filter(organization=root).order_by("-version").first()
    rubric = Rubric.objects.create(
        organization=root,
        version=latest.version + 1,
        title=title,
        note=(note or "").strip()[:300],
        created_by=acting_user if acting_user is not None and acting_user.is_authenticated else None,
    )
    _create_items(rubric, items)
    audit.record(
        actor=acting_user,
        action="appraisal.rubric",
        obj=rubric,
        summary=f"制定{title}第 {rubric.version} 版（{len({i.aspect.strip() for i in items})} 个方面、{len(items)} 项）",
    )
    return rubric
