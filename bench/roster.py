"""Writes a member roster (.xlsx) the way branches keep one, with valid, new people.

The ID numbers come from region codes the demo seed never uses
(`vanguard.demo.catalog.ROSTER_REGIONS`), so a roster never collides with the seeded
register, and everything a roster imported can be found (and removed) by those codes."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from vanguard.demo import catalog
from vanguard.demo.builder import BranchPlan, GroupPlan, PeopleFactory

HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "联系电话",
    "学历",
    "政治面貌",
    "申请入党日期",
    "入党日期",
    "转正日期",
    "所在党支部",
    "党小组",
    "岗位",
    "工种",
]
GENDER = {"male": "男", "female": "女"}
EDUCATION = {
    "postgraduate": "研究生",
    "bachelor": "大学本科",
    "college": "大学专科",
    "secondary_vocational": "中专",
    "high_school": "高中",
    "junior_or_below": "初中及以下",
}
STATUS = {"full": "正式党员", "probationary": "预备党员"}


@dataclass
class Target:
    """A branch a roster row can name: its path ("一矿党委/综采一队党支部"), its
    district kind and its groups."""

    path: str
    district_kind: str | None
    groups: list[str]


def roster_regions() -> tuple[str, ...]:
    return tuple(code for code, _, _ in catalog.ROSTER_REGIONS)


def write_roster(
    path: Path, rows: int, targets: list[Target], *, seed: int, today: date, taken_ids=()
) -> Path:
    rng = random.Random(seed)
    factory = PeopleFactory(rng, today, regions=catalog.ROSTER_REGIONS, taken_ids=set(taken_ids))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党员花名册")
    ws.append(HEADERS)
    written = 0
    while written < rows:
        target = rng.choice(targets)
        plan = BranchPlan(
            target.path,
            "district" if target.district_kind else "office",
            min(30, rows - written),
            district_kind=target.district_kind,
            groups=[GroupPlan(g, None) for g in target.groups],
        )
        for p in factory.branch_people(plan):
            member = p.political_status in STATUS
            ws.append(
                [
                    p.name,
                    GENDER[p.gender],
                    p.birth_date,
                    p.id_number,
                    p.phone,
                    EDUCATION[p.education],
                    STATUS.get(p.political_status, "群众"),
                    p.application_date if member else None,
                    p.join_date,
                    p.full_member_date,
                    target.path,
                    target.groups[p.group_index] if target.groups and p.group_index is not None else None,
                    p.job_post,
                    p.job_type,
                ]
            )
            written += 1
    wb.save(path)
    return path
