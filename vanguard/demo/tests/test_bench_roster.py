"""The benchmark's roster: every row is a valid new person (so an import that rejects
rows is measured failing, not the data)."""

from datetime import date

from openpyxl import load_workbook

from bench.roster import HEADERS, Target, roster_regions, write_roster
from vanguard.people import rules

TODAY = date(2026, 6, 1)
STATUS = {"正式党员": "full", "预备党员": "probationary", "群众": "worker"}


def test_every_roster_row_is_a_valid_new_person(tmp_path):
    targets = [
        Target("一矿党委/综采一队党支部", "综采", ["生产一班党小组", "生产二班党小组"]),
        Target("二矿党委/机关党支部", None, ["第一党小组"]),
    ]
    path = write_roster(tmp_path / "r.xlsx", 200, targets, seed=1, today=TODAY)
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    body = [dict(zip(HEADERS, r, strict=True)) for r in rows[1:]]
    assert len(body) == 200
    ids = [r["身份证号"] for r in body]
    assert len(set(ids)) == 200
    assert all(i.startswith(roster_regions()) for i in ids)

    def day(value):
        return value.date() if value else None

    for r in body:
        problems = rules.check_person(
            rules.PersonFacts(
                name=r["姓名"],
                gender="male" if r["性别"] == "男" else "female",
                birth_date=day(r["出生日期"]),
                id_number=r["身份证号"],
                phone=r["联系电话"],
                political_status=STATUS[r["政治面貌"]],
                application_date=day(r["申请入党日期"]),
                join_date=day(r["入党日期"]),
                full_member_date=day(r["转正日期"]),
            ),
            today=TODAY,
        )
        assert problems == [], r
        assert r["所在党支部"] in {t.path for t in targets}
