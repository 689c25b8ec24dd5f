"""The downloadable .xlsx templates: a title row with the rules, then the header."""

from __future__ import annotations

from vanguard.imports import orgs, roster
from vanguard.sheets.writer import xlsx_response

TEMPLATES = {
    "orgs": {
        "filename": "组织结构导入模板.xlsx",
        "sheet_title": "组织结构",
        "title": "组织结构导入模板（组织类型填 党委、党总支、党支部 或 党小组；最顶层组织的上级组织留空；"
        "重名时上级组织写路径，如 一矿党委/综采一队党支部）",
        "headers": [c.label for c in orgs.COLUMNS],
    },
    "roster": {
        "filename": "党员花名册导入模板.xlsx",
        "sheet_title": "花名册",
        "title": "党员花名册导入模板（身份证号必填，请按文本填写；日期如 2019-07-01 或 2019.07；"
        "是/否列填 是、否 或 √；所在党支部重名时写路径，如 一矿党委/综采一队党支部）",
        "headers": [c.label for c in roster.COLUMNS],
    },
}
KINDS = {"orgs": "组织结构", "roster": "党员花名册"}


def template_response(kind: str):
    t = TEMPLATES[kind]
    return xlsx_response(
        t["filename"], sheet_title=t["sheet_title"], headers=t["headers"], rows=[], title=t["title"]
    )
