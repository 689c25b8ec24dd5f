"""Rules versions, entries, closing a month, archive and amendments (issue 4 points 1–3)."""

import threading
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection

from vanguard.accounts.models import Role
from vanguard.assessment import selectors, services
from vanguard.assessment.models import Amendment, MonthlyResult, ReadOnly, ScoreEntry, ScoringRules
from vanguard.core.errors import DomainError
from vanguard.core.models import AuditEntry

TODAY = date(2026, 3, 20)
MARCH = date(2026, 3, 1)


def item(rules, name_part):
    return next(it for it in rules.items.all() if name_part in it.name)


@pytest.fixture
def default(tree):
    return services.ensure_default_rules(organization=tree.branch1)


def new_version(org, month, user=None, pass_mark=D(85), today=TODAY):
    return services.new_rules_version(
        organization=org,
        effective_from=month,
        base=D(100),
        floor=D(0),
        cap=D(110),
        pass_mark=pass_mark,
        penalty=D(200),
        items=[services.ItemInput("三违", D(-20), D(40)), services.ItemInput("安全标兵", D(5), D(10))],
        acting_user=user,
        today=today,
    )


def test_default_rules_are_created_once_on_the_root(tree, default):
    again = services.ensure_default_rules(organization=tree.branch2)
    assert again == default and default.organization == tree.enterprise
    assert (default.base, default.floor, default.cap, default.pass_mark, default.penalty) == (
        100,
        0,
        120,
        80,
        100,
    )
    assert default.items.count() >= 5


def test_a_month_is_scored_under_the_version_in_force_then(tree, default):
    v2 = new_version(tree.enterprise, MARCH, today=date(2026, 3, 1))
    assert selectors.rules_in_force(branch=tree.branch1, month=date(2026, 2, 1)) == default
    assert selectors.rules_in_force(branch=tree.branch1, month=MARCH) == v2
    assert selectors.rules_in_force(branch=tree.branch1, month=date(2027, 1, 1)) == v2


def test_a_branch_adaptation_overrides_for_its_members_only(tree, default):
    own = new_version(tree.branch1, MARCH)
    assert selectors.rules_in_force(branch=tree.branch1, month=MARCH) == own
    assert selectors.rules_in_force(branch=tree.branch2, month=MARCH) == default


def test_a_version_is_read_only(default):
    default.pass_mark = D(60)
    with pytest.raises(ReadOnly):
        default.save()


def test_a_new_version_cannot_start_in_the_past_or_before_the_last(tree, default):
    with pytest.raises(DomainError):
        new_version(tree.enterprise, date(2026, 2, 1))
    new_version(tree.enterprise, date(2026, 5, 1))
    with pytest.raises(DomainError):
        new_version(tree.enterprise, date(2026, 4, 1))


@pytest.mark.parametrize(
    ("role", "org", "allowed"),
    [
        (Role.ORG_DEPARTMENT, "enterprise", True),
        (Role.COMMITTEE_SECRETARY, "enterprise", False),
        (Role.COMMITTEE_SECRETARY, "mine1", True),
        (Role.BRANCH_SECRETARY, "branch1", True),
        (Role.BRANCH_SECRETARY, "mine1", False),
        (Role.BRANCH_COMMITTEE_MEMBER, "branch1", False),
    ],
)
def test_who_sets_rules(tree, users, default, role, org, allowed):
    if allowed:
        assert new_version(getattr(tree, org), MARCH, users[role]).effective_from == MARCH
    else:
        with pytest.raises(DomainError):
            new_version(getattr(tree, org), MARCH, users[role])


# --- entries ---------------------------------------------------------------------------------


@pytest.fixture
def member(users):
    from vanguard.people.models import Person

    return Person.objects.get(name="李党员")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.BRANCH_COMMITTEE_MEMBER, True),
        (Role.BRANCH_SECRETARY, True),
        (Role.GROUP_LEADER, True),
        (Role.ORG_DEPARTMENT, False),
        ("member", False),
    ],
)
def test_who_records_an_entry(users, member, default, role, allowed):
    it = item(default, "三违")
    if allowed:
        e = services.record_entry(
            person=member, item=it, on=date(2026, 3, 5), acting_user=users[role], today=TODAY
        )
        assert e.points == D(-10) and e.month == MARCH
    else:
        with pytest.raises(DomainError):
            services.record_entry(
                person=member, item=it, on=date(2026, 3, 5), acting_user=users[role], today=TODAY
            )


def test_a_group_leader_cannot_record_outside_the_group(tree, users, make_person, default):
    other = make_person(tree.branch1, name="赵二组", group=tree.group2)
    with pytest.raises(DomainError):
        services.record_entry(
            person=other,
            item=item(default, "三违"),
            on=date(2026, 3, 5),
            acting_user=users[Role.GROUP_LEADER],
            today=TODAY,
        )


@pytest.mark.parametrize(
    ("name", "points", "code"),
    [("三违", D(5), "sign"), ("合理化建议", D(-3), "sign"), ("三违", D(-31), "limit")],
)
def test_an_entry_keeps_the_items_sign_and_limit(users, member, default, name, points, code):
    with pytest.raises(DomainError) as e:
        services.record_entry(
            person=member,
            item=item(default, name),
            on=date(2026, 3, 5),
            points=points,
            acting_user=users[Role.BRANCH_SECRETARY],
            today=TODAY,
        )
    assert e.value.problems[0].code == code


def test_an_item_of_another_version_is_refused(tree, users, member, default):
    v2 = new_version(tree.enterprise, date(2026, 4, 1))
    with pytest.raises(DomainError):  # v2 is not in force in March
        services.record_entry(
            person=member,
            item=item(v2, "三违"),
            on=date(2026, 3, 5),
            acting_user=users[Role.BRANCH_SECRETARY],
            today=date(2026, 4, 2),
        )


def test_no_entry_in_a_published_month(tree, users, member, default):
    close = services.close_month(branch=tree.branch1, month=MARCH, acting_user=None, today=TODAY)
    services.publish(close=close, acting_user=None, today=TODAY)
    with pytest.raises(DomainError) as e:
        services.record_entry(
            person=member, item=item(default, "三违"), on=date(2026, 3, 5), acting_user=None, today=TODAY
        )
    assert e.value.problems[0].code == "closed"


# --- closing -----------------------------------------------------------------------------------


@pytest.fixture
def scored(tree, users, member, make_person, default):
    other = make_person(tree.branch1, name="钱党员", group=tree.group1)
    third = make_person(tree.branch1, name="孙党员", group=tree.group2)
    rec = users[Role.BRANCH_SECRETARY]
    for _ in range(3):
        services.record_entry(
            person=member, item=item(default, "三违"), on=date(2026, 3, 5), acting_user=rec, today=TODAY
        )
    services.record_entry(
        person=other, item=item(default, "安全标兵"), on=date(2026, 3, 6), acting_user=rec, today=TODAY
    )
    return member, other, third


def test_closing_gives_each_member_a_result(tree, scored):
    member, other, third = scored
    close = services.close_month(branch=tree.branch1, month=MARCH, acting_user=None, today=TODAY)
    got = {r.person_id: r for r in close.results.all()}
    assert set(got) == {member.pk, other.pk, third.pk}
    assert (got[member.pk].score, got[member.pk].qualified, got[member.pk].penalty) == (
        D("70.0"),
        False,
        D(100),
    )
    assert (got[other.pk].score, got[other.pk].branch_rank, got[other.pk].group_rank) == (D("105.0"), 1, 1)
    assert (got[third.pk].branch_rank, got[third.pk].group_rank) == (2, 1)
    assert (got[member.pk].branch_rank, got[member.pk].group_rank) == (3, 2)


def test_closing_twice_gives_one_set(tree, scored):
    services.close_month(branch=tree.branch1, month=MARCH, acting_user=None, today=TODAY)
    services.close_month(branch=tree.branch1, month=MARCH, acting_user=None, today=TODAY)
    assert MonthlyResult.objects.filter(month=MARCH).count() == 3


def test_closing_through_the_job_runs_in_process(tree, users, scored, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.request_close(branch=tree.branch1, month=MARCH, acting_user=users[Role.BRANCH_SECRETARY])
    with django_capture_on_commit_callbacks(execute=True):
        services.request_close(branch=tree.branch1, month=MARCH, acting_user=users[Role.BRANCH_SECRETARY])
    assert MonthlyResult.objects.filter(month=MARCH).count() == 3


def test_a_branch_member_cannot_close(tree, users, scored):
    with pytest.raises(DomainError):
        services.close_month(
            branch=tree.branch1, month=MARCH, acting_user=users[Role.BRANCH_COMMITTEE_MEMBER], today=TODAY
        )


def test_the_result_set_is_unique_per_member_and_month(tree, scored):
    from django.db import IntegrityError

    close = services.close_month(branch=tree.branch1, month=MARCH, acting_user=None, today=TODAY)
    r = close.results.first()
    with pytest.raises(IntegrityError):
        MonthlyResult.objects.create(
            close=close,
            person=r.person,
            month=MARCH,
            rules=r.rules,
            score=1,
            branch_rank=1,
            qualified=False,
            penalty=0,
        )


@pytest.fixture
def archived(tree, scored):
    close = services.close_month(branch=tree.branch1, month=MARCH, acting_user=None, today=TODAY)
    services.publish(close=close, acting_user=None, today=TODAY)
    with pytest.raises(DomainError):  # still in the objection window
        services.archive(close=close, acting_user=None, today=TODAY)
    return services.archive(close=close, acting_user=None, today=date(2026, 4, 1))


def test_an_archived_result_never_changes(tree, archived):
    r = archived.results.first()
    r.score = D(1)
    with pytest.raises(ReadOnly):
        r.save()
    with pytest.raises(ReadOnly):
        MonthlyResult.objects.filter(close=archived).update(score=D(1))
    with pytest.raises(ReadOnly):
        r.delete()
    with pytest.raises(DomainError):
        services.close_month(branch=tree.branch1, month=MARCH, acting_user=None, today=TODAY)


def test_an_amendment_by_a_higher_role_is_kept_beside_the_result(tree, users, archived, member):
    r = archived.results.get(person=member)
    with pytest.raises(DomainError):
        services.amend(result=r, score=D(85), reason="复核", acting_user=users[Role.BRANCH_SECRETARY])
    a = services.amend(
        result=r,
        score=D(85),
        reason="三违记录有误，复核撤销一次",
        acting_user=users[Role.COMMITTEE_SECRETARY],
    )
    r = selectors.results(users[Role.BRANCH_SECRETARY], archived).get(person=member)
    assert r.score == D("70.0")
    assert selectors.effective(r) == (D(85), True, D(0))
    assert list(r.amendments.all()) == [a] and isinstance(a, Amendment)
    assert AuditEntry.objects.filter(action="assessment.amend").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_closes_at_once_leave_one_set(tree, scored):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; PostgreSQL runs this with row locks")
    errors = []

    def run():
        try:
            services.close_month(branch=tree.branch1, month=MARCH, acting_user=None, today=TODAY)
        except Exception as e:  # pragma: no cover
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and MonthlyResult.objects.filter(month=MARCH).count() == 3


def test_entries_are_kept_with_their_source(default, scored):
    assert set(ScoreEntry.objects.values_list("source", flat=True)) == {"manual"}
    assert ScoringRules.objects.count() == 1


def test_an_automatic_provider_plugs_in_without_changing_the_engine(tree, member, monkeypatch):
    from vanguard.assessment.models import ItemSource

    rules = services.new_rules_version(
        organization=tree.enterprise,
        effective_from=MARCH,
        base=D(100),
        floor=D(0),
        cap=D(120),
        pass_mark=D(80),
        penalty=D(100),
        items=[services.ItemInput("无故缺席会议（自动）", D(-5), D(20), ItemSource.MEETINGS)],
        acting_user=None,
        today=MARCH,
    )
    monkeypatch.setattr(services, "PROVIDERS", {})
    services.register_provider(
        ItemSource.MEETINGS,
        lambda branch, month: [
            services.ProvidedEntry(member.pk, date(2026, 3, 9), None, "3月支部大会缺席", "m-1")
        ],
    )
    close = services.close_month(branch=tree.branch1, month=MARCH, acting_user=None, today=TODAY)
    close = services.close_month(branch=tree.branch1, month=MARCH, acting_user=None, today=TODAY)
    assert close.results.get(person=member).score == D("95.0")
    assert ScoreEntry.objects.get(item__rules=rules).source_key == "m-1"


def test_a_new_version_cannot_start_in_a_month_with_entries(tree, users, member, default):
    services.record_entry(
        person=member, item=item(default, "三违"), on=date(2026, 3, 5), acting_user=None, today=TODAY
    )
    with pytest.raises(DomainError) as e:
        new_version(tree.branch1, MARCH)
    assert "考评记录" in str(e.value)
    assert new_version(tree.branch1, date(2026, 4, 1)).effective_from == date(2026, 4, 1)


def test_a_published_month_refuses_a_new_close_in_plain_words(tree, default, users):
    services.close_month(branch=tree.branch1, month=MARCH, acting_user=None, today=TODAY)
    close = selectors.month_close(tree.branch1, MARCH)
    services.publish(close=close, acting_user=None, today=TODAY)
    with pytest.raises(DomainError) as exc:
        services.close_month(branch=tree.branch1, month=MARCH, acting_user=None, today=TODAY)
    assert exc.value.messages[0] == "月份：2026-03 已通报（异议期），不能重新结算"
