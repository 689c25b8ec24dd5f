"""The rubric (党员量化考核细则, issue 4 point 7): the enterprise default, versions set by
the organisation department, never edited in place."""

from decimal import Decimal

import pytest
from django.urls import reverse

from vanguard.accounts.models import Role
from vanguard.appraisal import cycles, rubric
from vanguard.appraisal.models import ReadOnly, Rubric, RubricItem
from vanguard.core.errors import DomainError
from vanguard.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _items(view):
    return [
        rubric.ItemInput(a.name, it.name, it.max_points, it.guidance)
        for a, items in view.aspects
        for it in items
    ]


def test_the_default_has_seven_aspects_eighteen_items_and_100_points_on_the_root(tree):
    made = rubric.ensure_default_rubric(organization=tree.branch1)
    view = rubric.read(made)
    assert made.organization == tree.enterprise and made.version == 1
    assert len(view.aspects) == 7 and len(view.items) == 18
    assert view.total == Decimal(100)
    names = [a.name for a, _ in view.aspects]
    assert names == ["政治素质", "组织生活", "安全生产", "岗位业绩", "联系群众", "作风纪律", "争优承诺"]
    assert any("三违" in it.name for it in view.items) and any("1+2+3" in it.name for it in view.items)


def test_the_default_is_created_once(tree):
    first = rubric.ensure_default_rubric(organization=tree.branch1)
    again = rubric.ensure_default_rubric(organization=tree.branch2)
    assert first == again and Rubric.objects.count() == 1


def test_a_new_version_leaves_the_old_one_and_the_cycles_opened_with_it(tree, users):
    old = rubric.ensure_default_rubric(organization=tree.enterprise)
    cycle = cycles.open_cycle(organization=tree.branch1, kind="yearly", year=2025, acting_user=None)
    items = _items(rubric.read(old))
    items[0].max_points = Decimal(3)
    items.append(rubric.ItemInput("政治素质", "学习强国积分", Decimal(2)))
    new = rubric.new_version(
        organization=tree.enterprise, items=items, acting_user=users[Role.ORG_DEPARTMENT]
    )
    assert new.version == 2 and len(rubric.read(new).items) == 19
    assert rubric.read(old).items[0].max_points == 5  # the old version is untouched
    cycle.refresh_from_db()
    assert cycle.rubric == old
    assert rubric.rubric_in_force(organization=tree.branch2) == new
    assert AuditEntry.objects.filter(action="appraisal.rubric").exists()


def test_another_count_of_aspects_and_items_is_allowed_when_it_adds_up_to_100(tree, users):
    items = [rubric.ItemInput(f"方面{i % 5}", f"项目{i}", Decimal(10)) for i in range(10)]
    new = rubric.new_version(organization=tree.branch1, items=items, acting_user=users[Role.ORG_DEPARTMENT])
    view = rubric.read(new)
    assert len(view.aspects) == 5 and len(view.items) == 10 and new.organization == tree.enterprise


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda items: setattr(items[0], "max_points", Decimal(0)), "分值应大于 0"),
        (lambda items: setattr(items[0], "max_points", Decimal("4.25")), "最多一位小数"),
        (lambda items: setattr(items[0], "max_points", Decimal(4)), "各项分值之和应为 100，实为 99"),
        (lambda items: setattr(items[1], "name", items[0].name), "重复，名称不能相同"),
        (lambda items: setattr(items[2], "name", " "), "第 3 项的名称不能为空"),
        (lambda items: setattr(items[3], "max_points", "五"), "应为数字"),
        (lambda items: setattr(items[4], "aspect", ""), "没有填写所属方面"),
    ],
)
def test_a_wrong_version_is_refused_in_chinese_and_nothing_is_written(tree, users, change, message):
    items = _items(rubric.read(rubric.ensure_default_rubric(organization=tree.enterprise)))
    change(items)
    with pytest.raises(DomainError) as exc:
        rubric.new_version(organization=tree.enterprise, items=items, acting_user=users[Role.ORG_DEPARTMENT])
    assert any(message in m for m in exc.value.messages), exc.value.messages
    assert Rubric.objects.count() == 1


def test_only_the_organisation_department_sets_the_rubric(tree, users):
    items = _items(rubric.read(rubric.ensure_default_rubric(organization=tree.enterprise)))
    with pytest.raises(DomainError, match="组织部"):
        rubric.new_version(organization=tree.branch1, items=items, acting_user=users[Role.BRANCH_SECRETARY])
    assert Rubric.objects.count() == 1


def test_the_models_refuse_to_edit_or_delete_a_version(tree):
    made = rubric.ensure_default_rubric(organization=tree.enterprise)
    item = RubricItem.objects.filter(rubric=made).first()
    item.max_points = Decimal(9)
    with pytest.raises(ReadOnly):
        item.save()
    with pytest.raises(ReadOnly):
        made.save()
    with pytest.raises(ReadOnly):
        made.delete()


# --- pages -----------------------------------------------------------------------------------


def test_the_rubric_page_shows_the_version_in_force(tree, users, login):
    response = login(users[Role.BRANCH_COMMITTEE_MEMBER]).get(reverse("appraisal:rubric"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "党员量化考核细则 第1版" in html and "杜绝“三违”" in html and "满分 100" in html
    assert "制定新版本" not in html  # only the organisation department edits


def _form(view, **override):
    data = {
        "title": "党员量化考核细则",
        "note": "2026 修订",
        "aspect": [],
        "name": [],
        "guidance": [],
        "points": [],
    }
    for a, items in view.aspects:
        for it in items:
            data["aspect"].append(a.name)
            data["name"].append(it.name)
            data["guidance"].append(it.guidance)
            data["points"].append(str(it.max_points))
    for key, (index, value) in override.items():
        data[key][index] = value
    # a blank row, as the page shows, is ignored
    for key in ("aspect", "name", "guidance", "points"):
        data[key].append("")
    return data


def test_the_organisation_department_saves_a_new_version_on_the_page(tree, users, login):
    client = login(users[Role.ORG_DEPARTMENT])
    assert client.get(reverse("appraisal:rubric_new")).status_code == 200
    view = rubric.read(rubric.ensure_default_rubric(organization=tree.enterprise))
    response = client.post(reverse("appraisal:rubric_new"), _form(view, name=(0, "坚定理想信念")))
    assert response.status_code == 302
    latest = Rubric.objects.order_by("-version").first()
    assert latest.version == 2 and rubric.read(latest).items[0].name == "坚定理想信念"


def test_a_wrong_total_on_the_page_says_why_and_saves_nothing(tree, users, login):
    client = login(users[Role.ORG_DEPARTMENT])
    view = rubric.read(rubric.ensure_default_rubric(organization=tree.enterprise))
    response = client.post(reverse("appraisal:rubric_new"), _form(view, points=(0, "9")))
    assert response.status_code == 422
    assert "各项分值之和应为 100，实为 104" in response.content.decode()
    assert Rubric.objects.count() == 1


def test_a_branch_secretary_cannot_open_the_rubric_editor(tree, users, login):
    assert login(users[Role.BRANCH_SECRETARY]).get(reverse("appraisal:rubric_new")).status_code == 403
