"""The register pages, as a branch secretary and others use them."""

from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from vanguard.accounts.models import Role
from vanguard.core.models import AuditEntry
from vanguard.people.models import Person, PersonEvent

pytestmark = pytest.mark.django_db


def listed(response) -> set[str]:
    """The names in the result table of a list page."""
    return {p.name for p in response.context["page"]}


def test_list_shows_masked_numbers_and_the_card_hides_them_until_revealed(users, login, tree):
    client = login(users[Role.BRANCH_SECRETARY])
    person = Person.objects.get(name="李党员")
    page = client.get(reverse("people:list"), {"branch": tree.branch1.pk}).content.decode()
    assert "李党员" in page
    assert person.id_number not in page and person.phone not in page
    assert person.id_number[:6] + "********" + person.id_number[-4:] in page

    card = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert person.id_number not in card
    revealed = client.post(reverse("people:reveal", args=[person.pk, "id_number"]))
    assert person.id_number in revealed.content.decode()
    entry = AuditEntry.objects.filter(action="person.unmask").get()
    assert entry.actor == users[Role.BRANCH_SECRETARY] and entry.object_id == str(person.pk)


@pytest.mark.parametrize("role", [Role.BRANCH_COMMITTEE_MEMBER, Role.GROUP_LEADER])
def test_roles_without_need_cannot_unmask(users, login, role):
    person = Person.objects.get(name="李党员")
    response = login(users[role]).post(reverse("people:reveal", args=[person.pk, "phone"]))
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="person.unmask").exists()


@pytest.mark.parametrize(
    ("query", "found"),
    [("李党", True), ("ldy", True), ("lidangyuan", True), ("li", True), ("wangwairen", False), ("zs", False)],
)
def test_search_by_name_pinyin_and_initials(users, login, query, found):
    response = login(users[Role.ORG_DEPARTMENT]).get(reverse("people:list"), {"q": query})
    assert ("李党员" in listed(response)) is found


def test_search_by_phone_and_id_tail(users, login):
    person = Person.objects.get(name="李党员")
    client = login(users[Role.ORG_DEPARTMENT])
    assert listed(client.get(reverse("people:list"), {"q": person.phone[-5:]})) == {"李党员"}
    assert listed(client.get(reverse("people:list"), {"q": person.id_number[-4:]})) == {"李党员"}


def test_search_never_leaves_the_scope(users, login):
    response = login(users[Role.BRANCH_SECRETARY]).get(reverse("people:list"), {"q": "王外人"})
    assert listed(response) == set()


def test_a_plain_member_sees_only_their_own_card(users, login):
    client = login(users["member"])
    own = Person.objects.get(name="李党员")
    assert client.get(reverse("people:list")).url == reverse("people:detail", args=[own.pk])
    other = Person.objects.get(name="王外人")
    assert client.get(reverse("people:detail", args=[other.pk])).status_code == 404


def _form(tree, **overrides):
    data = {
        "name": "赵矿工",
        "id_number": "140105199001010011",
        "gender": "",
        "birth_date": "",
        "ethnicity": "汉族",
        "education": "high_school",
        "phone": "13912340000",
        "political_status": "worker",
        "branch": tree.branch1.pk,
        "employment": "on_job",
    }
    data.update(overrides)
    return data


def test_create_derives_birth_and_gender_from_the_id_number(users, login, tree):
    from vanguard.people.rules import compose_id_number

    number = compose_id_number("140105", date(1990, 1, 1), 11)
    response = login(users[Role.BRANCH_SECRETARY]).post(
        reverse("people:create"), _form(tree, id_number=number)
    )
    person = Person.objects.get(id_number=number)
    assert response.url == reverse("people:detail", args=[person.pk])
    assert person.birth_date == date(1990, 1, 1) and person.gender == "male"
    assert person.name_initials == "zkg"
    assert AuditEntry.objects.filter(action="person.create", object_id=str(person.pk)).exists()


def test_create_with_bad_data_names_each_field_and_writes_nothing(users, login, tree):
    before = Person.objects.count()
    response = login(users[Role.BRANCH_SECRETARY]).post(
        reverse("people:create"),
        _form(
            tree,
            id_number="140105199001010012",
            phone="12345",
            join_date="2020-01-01",
            political_status="worker",
        ),
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "身份证号：校验码错误" in page
    assert "联系电话：应为 11 位手机号" in page
    assert "政治面貌：填写了入党日期" in page
    assert Person.objects.count() == before


def test_cannot_create_into_a_branch_outside_the_scope(users, login, tree):
    response = login(users[Role.BRANCH_SECRETARY]).post(
        reverse("people:create"), _form(tree, branch=tree.branch2.pk)
    )
    assert response.status_code == 422
    assert not Person.objects.filter(name="赵矿工").exists()


def test_edit_records_history(users, login, tree):
    person = Person.objects.get(name="李党员")
    client = login(users[Role.BRANCH_SECRETARY])
    data = {
        k: v for k, v in client.get(reverse("people:edit", args=[person.pk])).context["form"].initial.items()
    }
    data = {k: (v.pk if hasattr(v, "pk") else ("" if v is None else v)) for k, v in data.items()}
    data.update(party_post="组织委员", branch=tree.branch1.pk, group=tree.group1.pk)
    for k in ("is_frontline", "is_technician", "is_backbone", "is_in_difficulty", "is_mobile"):
        if not data[k]:
            data.pop(k)
    response = client.post(reverse("people:edit", args=[person.pk]), data)
    assert response.status_code == 302, response.content.decode()
    person.refresh_from_db()
    assert person.party_post == "组织委员"
    event = person.events.filter(kind="updated").get()
    assert event.changes["party_post"] == ["", "组织委员"]


def test_transfer_keeps_history_and_moves_scope(users, login, tree):
    person = Person.objects.get(name="李党员")
    client = login(users[Role.COMMITTEE_ORGANIZER])
    response = client.post(
        reverse("people:transfer", args=[person.pk]),
        {"to_branch": tree.office_branch.pk, "note": "介绍信 2026-018"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.branch == tree.office_branch and person.group is None
    event = PersonEvent.objects.get(person=person, kind="transferred")
    assert event.from_branch == tree.branch1 and "介绍信" in event.summary
    # The branch secretary of the old branch no longer sees the person.
    assert (
        login(users[Role.BRANCH_SECRETARY]).get(reverse("people:detail", args=[person.pk])).status_code == 404
    )


def test_branch_secretary_cannot_transfer_outside_their_scope(users, login, tree):
    person = Person.objects.get(name="李党员")
    response = login(users[Role.BRANCH_SECRETARY]).post(
        reverse("people:transfer", args=[person.pk]), {"to_branch": tree.branch2.pk}
    )
    assert response.status_code == 422
    assert "转入支部" in response.content.decode()
    person.refresh_from_db()
    assert person.branch == tree.branch1


def test_archived_person_is_read_only_and_findable(users, login, tree):
    person = Person.objects.get(name="李党员")
    client = login(users[Role.BRANCH_SECRETARY])
    client.post(reverse("people:archive", args=[person.pk]), {"reason": "deceased"})
    person.refresh_from_db()
    assert person.status == "archived"
    assert "李党员" not in listed(client.get(reverse("people:list")))
    assert "李党员" in listed(client.get(reverse("people:list"), {"archived": "1"}))
    response = client.get(reverse("people:edit", args=[person.pk]))
    assert response.status_code == 302
    assert "只读" in client.get(reverse("people:detail", args=[person.pk])).content.decode()


def test_register_export_is_an_xlsx_of_the_branch_and_is_audited(users, login, tree, make_person, tmp_path):
    make_person(tree.branch1, name="周全", political_status="probationary", full_member_date=None)
    response = login(users[Role.BRANCH_SECRETARY]).get(reverse("people:export"), {"branch": tree.branch1.pk})
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    ws = load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    assert "综采一队党支部" in rows[0][0]
    assert rows[1][:3] == ("序号", "姓名", "性别")
    names = {r[1] for r in rows[2:]}
    assert names == {"李党员", "周全"}
    assert AuditEntry.objects.filter(action="export").exists()


def test_list_page_query_count_is_constant(users, login, tree, make_person, django_assert_max_num_queries):
    client = login(users[Role.ORG_DEPARTMENT])
    client.get(reverse("people:list"))  # warm the session

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("people:list"), {"branch": tree.branch1.pk}).status_code == 200
        return len(ctx)

    small = count()
    for i in range(30):
        make_person(tree.branch1, group=tree.group1 if i % 3 else tree.group2)
    assert count() == small


def test_member_card_query_count_is_constant(users, login, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person = Person.objects.get(name="李党员")
    client = login(users[Role.ORG_DEPARTMENT])
    client.get(reverse("people:detail", args=[person.pk]))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("people:detail", args=[person.pk]))
    for i in range(10):
        PersonEvent.objects.create(person=person, kind="updated", on=date(2020, 1, 1 + i), summary="x")
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("people:detail", args=[person.pk]))
    assert len(after) == len(before)
