"""The roster import: what a branch secretary notices when importing their Excel."""

from datetime import date

import pytest

from vanguard.accounts.models import Role
from vanguard.core.models import AuditEntry
from vanguard.imports.services import import_roster
from vanguard.imports.tests.xlsx import ROSTER_HEADER, build, id_number, member_row
from vanguard.people.models import Person, PersonEvent, PersonEventKind

pytestmark = pytest.mark.django_db


def _people():
    return Person.objects.filter(name__startswith="测").order_by("id")


def test_given_a_real_roster_when_imported_then_everyone_is_registered_as_written(tree):
    # given: two title rows, the branch cell merged down all rows, full-width digits and
    # spaces, every text date form, a month-only date, an ID stored as a number-free text
    birth_a, birth_b = date(1985, 3, 1), date(1990, 12, 31)
    rows = [
        member_row(1, "测 试甲", birth=birth_a, 手机="１３９ ００００ ０００１", 入党时间="2010-07-01"),
        member_row(
            2, "测试乙", birth=birth_b, 出生年月="1990/12/31", 入党时间="2013.07", 转正时间="2014/7/1"
        ),
        member_row(3, "测试丙", 政治面貌="中共预备党员", 入党时间="2024年7月1日", 转正时间="", 一线职工=""),
    ]
    rows[1][8] = rows[2][8] = None  # the merged branch cell holds its value in the first row only
    buf = build(rows, titles=("某矿党委", "综采一队党支部党员花名册"), merges=["I4:I6"])

    report = import_roster(buf, dry_run=False, acting_user=None)

    assert report.as_dict() == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    a, b, c = _people()
    assert (a.name, a.phone, a.join_date, a.full_member_date) == (
        "测试甲",
        "13900000001",
        date(2010, 7, 1),
        date(2011, 7, 1),
    )
    assert a.id_number == id_number(birth_a, 3) and a.birth_date == birth_a and a.gender == "male"
    assert (b.birth_date, b.join_date, b.full_member_date) == (birth_b, date(2013, 7, 1), date(2014, 7, 1))
    assert c.political_status == "probationary" and c.join_date == date(2024, 7, 1)
    assert {p.branch for p in (a, b, c)} == {tree.branch1}
    assert a.group == tree.group1 and a.work_district == tree.district1 and a.crew == tree.crew1
    assert a.is_frontline and not a.is_backbone and not c.is_frontline
    assert a.education == "bachelor"
    assert (a.name_pinyin, a.name_initials) == ("ceshijia", "csj")
    assert PersonEvent.objects.filter(person=a, kind=PersonEventKind.IMPORTED).count() == 1
    assert AuditEntry.objects.filter(action="person.create", object_id=str(a.pk)).count() == 1
    assert AuditEntry.objects.filter(action="import.roster").count() == 1


def test_excel_dates_and_ids_stored_as_numbers_are_read(tree):
    birth = date(1984, 6, 5)
    ident = id_number(birth, 11)
    assert ident[-1] != "X"
    row = member_row(1, "测试丁", birth=birth, 入党时间=date(2008, 7, 1), 转正时间=2009.07, 手机=13900000009)
    row[3] = ident  # text
    buf = build([row])
    report = import_roster(buf, dry_run=False, acting_user=None)
    assert report.errors == []
    p = Person.objects.get(name="测试丁")
    assert (p.join_date, p.full_member_date, p.phone) == (date(2008, 7, 1), date(2009, 7, 1), "13900000009")


def test_headers_in_any_order_under_synonyms(tree):
    header = ["联系方式", "身份证号码", "入党日期", "姓名", "政治面貌", "转正日期", "所在支部"]
    birth = date(1986, 1, 2)
    buf = build(
        [
            [
                "13912345678",
                id_number(birth, 5),
                "2010.07.01",
                "测试戊",
                "正式党员",
                "2011.07.01",
                "综采一队党支部",
            ]
        ],
        header=header,
        titles=(),
    )
    report = import_roster(buf, dry_run=False, acting_user=None)
    assert report.as_dict()["errors"] == [] and report.created == 1
    p = Person.objects.get(name="测试戊")
    assert p.phone == "13912345678" and p.birth_date == birth and p.branch == tree.branch1


def test_a_roster_with_many_kinds_of_defect_is_refused_whole_with_each_problem_located(tree):
    good = member_row(1, "测试好")
    rounded = member_row(2, "测试舍")
    rounded[3] = 1.10105194912310e17  # Excel has already rounded the 18-digit number
    bad_checksum = member_row(3, "测试校")
    bad_checksum[3] = bad_checksum[3][:-1] + ("0" if bad_checksum[3][-1] != "0" else "1")
    no_id = member_row(4, "测试空", 公民身份号码="")
    duplicate = member_row(5, "测试重")
    duplicate[3] = good[3]
    rows = [
        good,  # row 3
        rounded,  # row 4
        bad_checksum,  # row 5
        no_id,  # row 6
        duplicate,  # row 7
        member_row(6, "测试支", 所在党支部="三矿党支部"),  # row 8: unknown branch
        member_row(7, "测试日", 入党时间="2010-13-45"),  # row 9: impossible date
        member_row(8, "测试布", 一线职工="可能"),  # row 10: not a yes/no
        member_row(9, "测试面", 政治面貌="党员?"),  # row 11: unknown political status
        member_row(10, "测试电", 手机="12345"),  # row 12: bad phone
        member_row(11, "测试性", 性别="女"),  # row 13: gender contradicts the ID number
        member_row(12, "测试转", 转正时间=""),  # row 14: a full member without full-membership date
        member_row(13, "测试组", 党小组="掘进党小组"),  # row 15: a group of another branch
        member_row(14, "测试队", 区队="掘进二队"),  # row 16: a work district the branch does not cover
        member_row(15, "测试序", 入党时间="2012.07.01", 转正时间="2011.07.01"),  # row 17: dates out of order
    ]
    buf = build(rows)

    report = import_roster(buf, dry_run=False, acting_user=None)

    errors = [(e.row, e.column, e.message) for e in report.errors]
    expected = [
        (4, "身份证号", "Excel 已把该身份证号按数字保存并舍入为 110105194912310000"),
        (5, "身份证号", "身份证号：校验码错误"),
        (6, "身份证号", "身份证号：导入时必须填写"),
        (7, "身份证号", "身份证号：与第 3 行重复"),
        (8, "所在党支部", "所在党支部：找不到名为“三矿党支部”的组织"),
        (9, "入党日期", "入党日期：“2010-13-45”不是有效的日期"),
        (10, "是否一线", "是否一线：应填“是”“否”或“√”"),
        (11, "政治面貌", "政治面貌：应为 群众、入党申请人"),
        (12, "联系电话", "联系电话：应为 11 位手机号"),
        (13, "性别", "性别：与身份证号不一致"),
        (14, "转正日期", "转正日期：正式党员必须填写转正日期"),
        (15, "党小组", "党小组：“掘进党小组”不是“综采一队党支部”的党小组"),
        (16, "区队", "区队：“综采一队党支部”覆盖的区队中没有“掘进二队”"),
        (17, "转正日期", "转正日期：2011-07-01 应晚于入党日期 2012-07-01"),
    ]
    for row, column, text in expected:
        assert any(r == row and c == column and text in m for r, c, m in errors), (row, column, text, errors)
    assert {e.row for e in report.errors} == {r for r, _, _ in expected}  # the good row has none
    assert report.as_dict()["created"] == 0
    assert not _people().exists()
    assert not AuditEntry.objects.filter(action__in=["person.create", "import.roster"]).exists()


def test_reimporting_the_same_file_changes_nothing(tree):
    buf = build([member_row(1, "测试一"), member_row(2, "测试二")])
    first = import_roster(buf, dry_run=False, acting_user=None)
    events = PersonEvent.objects.count()
    audits = AuditEntry.objects.exclude(action="import.roster").count()

    again = import_roster(buf, dry_run=False, acting_user=None)

    assert first.as_dict()["created"] == 2
    assert again.as_dict() == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}
    assert PersonEvent.objects.count() == events
    assert AuditEntry.objects.exclude(action="import.roster").count() == audits


def test_changed_rows_are_updated_and_recorded_absent_columns_kept(tree, make_person):
    existing = make_person(tree.branch1, name="测试旧", phone="13900000077", native_place="山西大同")
    row = member_row(
        1, "测试新", birth=existing.birth_date, 手机="13900000088", 政治面貌="正式党员", 入党时间="2010.07.01"
    )
    row[3] = existing.id_number
    buf = build([row, member_row(2, "测试增")])

    report = import_roster(buf, dry_run=False, acting_user=None)

    assert report.as_dict() == {"created": 1, "updated": 1, "unchanged": 0, "errors": []}
    existing.refresh_from_db()
    assert (existing.name, existing.phone, existing.name_pinyin) == ("测试新", "13900000088", "ceshixin")
    assert existing.native_place == "山西大同"  # 籍贯 is not a column of this sheet: kept
    event = PersonEvent.objects.get(person=existing, kind=PersonEventKind.UPDATED)
    assert set(event.changes) >= {"name", "phone"}
    audit = AuditEntry.objects.get(action="person.update", object_id=str(existing.pk))
    assert audit.changes["phone"] == ["***", "***"]


def test_dry_run_validates_everything_and_writes_nothing(tree):
    buf = build([member_row(1, "测试一"), member_row(2, "测试二")])
    report = import_roster(buf, dry_run=True, acting_user=None)
    assert report.as_dict() == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    assert not _people().exists()
    assert not AuditEntry.objects.filter(action="import.roster").exists()


def test_a_branch_secretary_cannot_import_into_another_branch(tree, users):
    secretary = users[Role.BRANCH_SECRETARY]  # of 综采一队党支部
    rows = [
        member_row(1, "测试内"),
        member_row(2, "测试外", 所在党支部="掘进二队党支部", 党小组="", 区队="", 班组=""),
    ]
    report = import_roster(build(rows), dry_run=False, acting_user=secretary)
    assert [(e.row, e.column) for e in report.errors] == [(4, "所在党支部")]
    assert "超出您的管理范围" in report.errors[0].message
    assert not _people().exists()


def test_a_person_of_another_branch_is_not_moved_by_the_import(tree, make_person):
    other = make_person(tree.branch2, name="测试迁")
    row = member_row(1, "测试迁", birth=other.birth_date, 政治面貌="正式党员")
    row[3] = other.id_number
    report = import_roster(build([row]), dry_run=False, acting_user=None)
    assert [(e.row, e.column) for e in report.errors] == [(3, "所在党支部")]
    assert "组织关系转接" in report.errors[0].message
    other.refresh_from_db()
    assert other.branch == tree.branch2


def test_a_user_without_the_import_action_is_refused(tree, users):
    report = import_roster(build([member_row(1, "测试一")]), dry_run=False, acting_user=users["member"])
    assert report.errors and "无权" in report.errors[0].message
    assert not _people().exists()


def test_a_sheet_without_the_header_says_which_columns_it_needs(tree):
    buf = build([["张三", "男"]], header=["名单", "备考"], titles=())
    report = import_roster(buf, dry_run=False, acting_user=None)
    assert len(report.errors) == 1 and "找不到表头行" in report.errors[0].message


def test_a_missing_required_column_is_named(tree):
    header = [h for h in ROSTER_HEADER if h != "所在党支部"]
    report = import_roster(build([], header=header), dry_run=False, acting_user=None)
    assert [(e.row, e.column) for e in report.errors] == [(2, "所在党支部")]
    assert "缺少必填列" in report.errors[0].message
