"""Group leaders assessed on their group, and the year: the table, the shortlist from the
archive and its confirmation by the branch (issue 4 points 4–5)."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from vanguard.accounts.models import Role
from vanguard.assessment import monthly, selectors, services
from vanguard.assessment.models import MonthlyResult, ReadOnly, YearConfirmation
from vanguard.core.errors import DomainError
from vanguard.core.models import AuditEntry
from vanguard.people.models import Person

# --- the pure rules ----------------------------------------------------------------------------


def test_leader_score_off_or_without_members_is_the_own_score():
    assert monthly.leader_score(D("95.5"), [D(80)], 0).score == D("95.5")
    assert monthly.leader_score(D("95.5"), [], 50).score == D("95.5")
    assert monthly.leader_score(D("95.5"), [], 50).explain() == []


@pytest.mark.parametrize(
    "own, group, weight, expected",
    [
        (D(100), [D(80), D(90)], 50, D("92.5")),
        (D(100), [D(80)], 100, D(80)),
        (D(90), [D("80.1")], 50, D("85.1")),  # 85.05 rounds half up
        (D(90), [D(80), D(80), D("80.1")], 30, D("87.0")),  # 63 + 24.01
    ],
)
def test_leader_score_blends_by_weight(own, group, weight, expected):
    result = monthly.leader_score(own, group, weight)
    assert result.score == expected
    assert "小组党员平均分" in result.explain()[0]


def test_leader_score_refuses_a_weight_out_of_range():
    with pytest.raises(ValueError):
        monthly.leader_score(D(90), [D(80)], 101)


JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)


def ym(month, score, qualified=True):
    return monthly.YearMonth(month, D(score), qualified)


def test_shortlist_excludes_unqualified_and_missing_months_and_ties_share_a_rank():
    rows = {
        "a": [ym(JAN, 100), ym(FEB, 95)],
        "b": [ym(JAN, 100), ym(FEB, 100)],
        "c": [ym(JAN, 110), ym(FEB, 70, qualified=False)],  # one unqualified month
        "d": [ym(JAN, 120)],  # missing February
        "e": [ym(JAN, 95), ym(FEB, 100)],
    }
    listed = monthly.shortlist([JAN, FEB], rows)
    assert [(s.id, s.total, s.rank) for s in listed] == [("b", 200, 1), ("a", 195, 2), ("e", 195, 2)]
    assert monthly.shortlist([], rows) == []


# --- closing with a group leader -------------------------------------------------------------


def test_a_group_leaders_score_includes_the_group(tree, users, make_person):
    services.ensure_default_rules(organization=tree.branch1)
    services.new_rules_version(
        organization=tree.enterprise,
        effective_from=date(2026, 3, 1),
        base=D(100),
        floor=D(0),
        cap=D(120),
        pass_mark=D(80),
        penalty=D(100),
        items=[services.ItemInput("三违", D(-10), D(40))],
        leader_group_weight=50,
        acting_user=None,
        today=date(2026, 3, 1),
    )
    leader_user = users[Role.GROUP_LEADER]
    leader = make_person(tree.branch1, name="赵组长", group=tree.group1)
    leader_user.person_id = leader.pk
    leader_user.save()
    member = Person.objects.get(name="李党员")
    rules = selectors.rules_in_force(branch=tree.branch1, month=date(2026, 3, 1))
    services.record_entry(
        person=member,
        item=rules.items.get(),
        on=date(2026, 3, 5),
        points=D(-40),
        acting_user=None,
        today=date(2026, 3, 20),
    )
    services.close_month(
        branch=tree.branch1, month=date(2026, 3, 1), acting_user=None, today=date(2026, 3, 20)
    )
    result = MonthlyResult.objects.get(person=leader)
    assert result.score == D(80)  # 100 × 50% + 60 × 50%
    assert any("小组党员平均分" in line for line in result.explanation)
    assert MonthlyResult.objects.get(person=member).score == D(60)


def test_a_leader_weight_out_of_range_is_refused(tree):
    with pytest.raises(DomainError):
        services.new_rules_version(
            organization=tree.enterprise,
            effective_from=date(2026, 3, 1),
            base=D(100),
            floor=D(0),
            cap=D(120),
            pass_mark=D(80),
            penalty=D(100),
            items=[services.ItemInput("三违", D(-10), D(40))],
            leader_group_weight=120,
            acting_user=None,
            today=date(2026, 3, 1),
        )


# --- the year ------------------------------------------------------------------------------------


def archive_months(branch, months, entries=()):
    rules = services.ensure_default_rules(organization=branch)
    violation = rules.items.get(name__startswith="三违")
    for person, on, points in entries:
        services.record_entry(
            person=person, item=violation, on=on, points=points, acting_user=None, today=date(2026, 1, 1)
        )
    for month in months:
        close = services.close_month(branch=branch, month=month, acting_user=None, today=date(2026, 1, 1))
        services.publish(close=close, acting_user=None, today=date(2026, 1, 1))
        services.archive(close=close, acting_user=None, today=date(2026, 2, 1))


@pytest.fixture
def year_2025(tree, users, make_person):
    good = Person.objects.get(name="李党员")
    bad = make_person(tree.branch1, name="钱党员", group=tree.group1)
    also = make_person(tree.branch1, name="孙党员", group=tree.group2)
    archive_months(tree.branch1, [JAN, FEB], [(bad, date(2025, 2, 3), D(-30))])
    return good, bad, also


def test_the_shortlist_leaves_out_an_unqualified_month(tree, year_2025):
    good, _bad, also = year_2025
    months, listed = selectors.year_shortlist(tree.branch1, 2025)
    assert months == [JAN, FEB]
    assert {p.pk for _, p in listed} == {good.pk, also.pk}
    assert all(s.rank == 1 and s.total == 200 for s, _ in listed)


def test_the_branch_confirms_and_the_confirmation_is_read_only(tree, users, year_2025):
    secretary = users[Role.BRANCH_SECRETARY]
    first = services.confirm_shortlist(branch=tree.branch1, year=2025, acting_user=secretary)
    assert len(first.shortlist) == 2 and first.months == ["2025-01", "2025-02"]
    assert AuditEntry.objects.filter(action="assessment.year_confirm").count() == 1
    first.note = "改"
    with pytest.raises(ReadOnly):
        first.save()
    with pytest.raises(ReadOnly):
        first.delete()
    services.confirm_shortlist(branch=tree.branch1, year=2025, acting_user=secretary)
    assert YearConfirmation.objects.filter(branch=tree.branch1, year=2025).count() == 2
    with pytest.raises(DomainError):
        services.confirm_shortlist(branch=tree.branch1, year=2024, acting_user=secretary)
    with pytest.raises(DomainError):
        services.confirm_shortlist(branch=tree.branch2, year=2025, acting_user=secretary)


def test_the_year_page_renders_and_confirms(login, tree, users, year_2025):
    client = login(users[Role.BRANCH_SECRETARY])
    body = client.get(reverse("assessment:year"), {"branch": tree.branch1.pk, "year": 2025}).content.decode()
    assert "钱党员" in body and "不合格" in body and "支部确认推荐名单" in body
    answer = client.post(reverse("assessment:year_confirm"), {"branch": tree.branch1.pk, "year": 2025})
    assert answer.status_code == 302
    body = client.get(reverse("assessment:year"), {"branch": tree.branch1.pk, "year": 2025}).content.decode()
    assert "第 1 名 李党员" in body
    export = client.get(reverse("assessment:year_export"), {"branch": tree.branch1.pk, "year": 2025})
    assert export.status_code == 200


def test_another_branchs_year_is_404(login, tree, users, year_2025):
    client = login(users[Role.BRANCH_SECRETARY])
    assert (
        client.get(reverse("assessment:year"), {"branch": tree.branch2.pk, "year": 2025}).status_code == 404
    )
    answer = client.post(reverse("assessment:year_confirm"), {"branch": tree.branch2.pk, "year": 2025})
    assert answer.status_code == 404
    client = login(users["member"])
    answer = client.post(reverse("assessment:year_confirm"), {"branch": tree.branch1.pk, "year": 2025})
    assert answer.status_code in (403, 404)
    assert not YearConfirmation.objects.exists()
