"""Upload → preview → confirm, and the template downloads."""

import io
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from vanguard.accounts.models import Role
from vanguard.imports.tests.xlsx import build, member_row
from vanguard.imports.views import SESSION_KEY
from vanguard.organizations.models import Organization
from vanguard.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored(settings):
    folder = Path(settings.MEDIA_ROOT) / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_index_lists_both_imports_for_a_committee(tree, users, login):
    page = login(users[Role.COMMITTEE_SECRETARY]).get(reverse("imports:index"))
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("imports:template", args=["orgs"]) in html
    assert reverse("imports:template", args=["roster"]) in html
    assert 'aria-current="page"' in html


def test_a_branch_secretary_sees_the_roster_import_only(tree, users, login):
    client = login(users[Role.BRANCH_SECRETARY])
    html = client.get(reverse("imports:index")).content.decode()
    assert reverse("imports:upload", args=["roster"]) in html
    assert reverse("imports:upload", args=["orgs"]) not in html
    assert client.get(reverse("imports:upload", args=["orgs"])).status_code == 403


def test_plain_members_and_strangers_are_kept_out(tree, users, login, client):
    assert client.get(reverse("imports:index")).status_code == 302  # to the login page
    assert login(users["member"]).get(reverse("imports:index")).status_code == 403


def test_upload_preview_confirm(tree, users, login, settings):
    client = login(users[Role.BRANCH_SECRETARY])
    buf = build([member_row(1, "测试一"), member_row(2, "测试二")])

    preview = client.post(reverse("imports:upload", args=["roster"]), {"file": buf})

    html = preview.content.decode()
    assert preview.status_code == 200
    assert "共读取 2 行数据" in html and 'data-count="created">2<' in html
    assert not Person.objects.filter(name__startswith="测试").exists()  # nothing written yet
    [token] = client.session[SESSION_KEY]
    assert [p.name for p in stored(settings)] == [f"{token}.xlsx"]
    assert buf.getvalue() not in str(client.session.items()).encode()

    done = client.post(reverse("imports:confirm", args=["roster", token]))

    assert done.status_code == 200 and "导入完成：新建 2" in done.content.decode()
    assert Person.objects.filter(name__startswith="测试", branch=tree.branch1).count() == 2
    assert stored(settings) == [] and client.session[SESSION_KEY] == {}
    again = client.post(reverse("imports:confirm", args=["roster", token]))
    assert again.status_code == 400 and "请重新上传" in again.content.decode()


def test_preview_shows_the_full_error_table(tree, users, login, settings):
    client = login(users[Role.BRANCH_SECRETARY])
    rows = [member_row(1, "测试一", 手机="123"), member_row(2, "测试二", 所在党支部="掘进二队党支部")]
    page = client.post(reverse("imports:upload", args=["roster"]), {"file": build(rows)})
    html = page.content.decode()
    assert "发现 " in html and "errors-table" in html
    assert "第 3 行" in html and "联系电话：应为 11 位手机号" in html
    assert "第 4 行" in html and "超出您的管理范围" in html
    assert "确认导入" not in html
    assert stored(settings) == []


def test_confirm_is_all_or_nothing_when_the_data_changed_after_the_preview(tree, users, login, make_person):
    client = login(users[Role.BRANCH_SECRETARY])
    rows = [member_row(1, "测试一"), member_row(2, "测试二")]
    client.post(reverse("imports:upload", args=["roster"]), {"file": build(rows)})
    [token] = client.session[SESSION_KEY]
    # meanwhile someone registers the second person in another branch
    from vanguard.people.services import PersonData, create_person

    create_person(
        data=PersonData(
            name="测试二", gender=None, birth_date=None, branch=tree.branch2, id_number=rows[1][3]
        ),
        acting_user=None,
    )
    done = client.post(reverse("imports:confirm", args=["roster", token]))
    assert "身份证号：该身份证号对应的人员超出您的管理范围" in done.content.decode()
    assert not Person.objects.filter(name="测试一").exists()


def test_not_an_xlsx_is_a_clear_message_not_a_500(tree, users, login):
    client = login(users[Role.BRANCH_SECRETARY])
    f = io.BytesIO("姓名,身份证号\n".encode())
    f.name = "名单.csv"
    page = client.post(reverse("imports:upload", args=["roster"]), {"file": f})
    assert page.status_code == 400 and "请另存为 .xlsx 格式" in page.content.decode()


@pytest.mark.parametrize("kind", ["orgs", "roster"])
def test_templates_download_and_reimport_when_filled(tree, users, login, kind):
    client = login(users[Role.ORG_DEPARTMENT])
    response = client.get(reverse("imports:template", args=[kind]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.active
    header = [c.value for c in ws[2]]
    assert ws["A1"].value and "模板" in ws["A1"].value
    if kind == "orgs":
        assert header[:3] == ["组织名称", "上级组织", "组织类型"]
        ws.append(["七矿党委", "集团党委", "党委"])
    else:
        sample = member_row(1, "测试模")
        values = {
            "姓名": sample[1],
            "身份证号": sample[3],
            "所在党支部": "综采一队党支部",
            "政治面貌": "群众",
            "党小组": "第一党小组",
            "区队": "综采一队",
            "班组": "综采一班",
        }
        ws.append([values.get(h, "") for h in header])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "filled.xlsx"
    preview = client.post(reverse("imports:upload", args=[kind]), {"file": buf})
    assert 'data-count="created">1<' in preview.content.decode(), preview.content.decode()
    [token] = client.session[SESSION_KEY]
    client.post(reverse("imports:confirm", args=[kind, token]))
    if kind == "orgs":
        assert Organization.objects.filter(name="七矿党委").exists()
    else:
        assert Person.objects.get(name="测试模").political_status == "worker"
