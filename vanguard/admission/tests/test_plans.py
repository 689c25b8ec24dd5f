"""四步 (seed 001) and 双培 (seed 003): plans set by the committee and tracked against
the year's approvals, the structure figure per branch and committee, the activist
training class feeding the dossier's training step, and the pages and export."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from vanguard.accounts.models import Role
from vanguard.admission import plans
from vanguard.admission.models import (
    AdmissionPlan,
    Dossier,
    Stage,
    Step,
    StepKind,
    TrainingAttendance,
    TrainingClass,
)
from vanguard.admission.tests.journey import TO_APPROVAL, walk
from vanguard.core.errors import DomainError
from vanguard.core.models import AuditEntry
from vanguard.people.models import PersonEvent, PersonEventKind

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


def plan(planned=4, leaders=2, technicians=1, frontline=1, others=0, **kw):
    return plans.PlanInput(
        planned=planned,
        from_team_leaders=leaders,
        from_technicians=technicians,
        from_frontline=frontline,
        from_others=others,
        **kw,
    )


def approved(make_person, branch, *, on=date(2025, 6, 20), name="新党员", **person):
    """A person the committee approved on `on` (the rows are written directly: these
    tests are about counting approvals, not recording them)."""
    defaults = dict(
        political_status="probationary",
        application_date=date(2023, 3, 1),
        join_date=on,
        full_member_date=None,
        birth_date=date(1980, 1, 1),
        education="high_school",
    )
    defaults.update(person)
    p = make_person(branch, name=name, **defaults)
    dossier = Dossier.objects.create(
        person=p, stage=Stage.PROBATIONARY, stage_since=on, opened_on=date(2023, 3, 1)
    )
    Step.objects.create(dossier=dossier, kind=StepKind.APPROVAL, on=on)
    return p


# --- the plan -------------------------------------------------------------------------


def test_the_committee_sets_a_branch_plan_with_its_sources(tree, users):
    p = plans.set_plan(
        branch=tree.branch1, year=THIS_YEAR, data=plan(), acting_user=users[Role.COMMITTEE_ORGANIZER]
    )
    assert (p.planned, p.from_team_leaders, p.from_technicians) == (4, 2, 1)
    assert AuditEntry.objects.filter(action="admission.plan", object_id=str(p.pk)).exists()


@pytest.mark.parametrize(
    ("role", "branch"),
    [
        (Role.COMMITTEE_SECRETARY, "branch2"),  # 二矿 is outside 一矿党委's subtree
        (Role.BRANCH_SECRETARY, "branch1"),  # a branch does not set its own plan
        (Role.BRANCH_COMMITTEE_MEMBER, "branch1"),
    ],
)
def test_a_plan_outside_the_committees_subtree_is_refused(tree, users, role, branch):
    with pytest.raises(DomainError) as exc:
        plans.set_plan(branch=getattr(tree, branch), year=THIS_YEAR, data=plan(), acting_user=users[role])
    assert exc.value.problems[0].code == "forbidden"
    assert not AdmissionPlan.objects.exists()


def test_a_change_keeps_the_old_plan_and_needs_a_reason(tree, users):
    user = users[Role.COMMITTEE_SECRETARY]
    first = plans.set_plan(branch=tree.branch1, year=THIS_YEAR, data=plan(), acting_user=user)
    with pytest.raises(DomainError, match="调整原因"):
        plans.set_plan(branch=tree.branch1, year=THIS_YEAR, data=plan(5, others=1), acting_user=user)
    second = plans.set_plan(
        branch=tree.branch1, year=THIS_YEAR, data=plan(5, others=1, reason="新增技术员"), acting_user=user
    )
    assert second.replaces == first
    first.refresh_from_db()
    assert first.planned == 4  # the old figures stay
    assert list(plans.current_plans(year=THIS_YEAR, branch_ids=[tree.branch1.pk])) == [second]
    entry = AuditEntry.objects.get(action="admission.plan_change")
    assert entry.changes["planned"] == [4, 5]
    # the same figures again: nothing new
    again = plans.set_plan(
        branch=tree.branch1, year=THIS_YEAR, data=plan(5, others=1, reason="x"), acting_user=user
    )
    assert again == second and AdmissionPlan.objects.count() == 2


def test_a_plan_row_is_never_rewritten(tree, users):
    p = plans.set_plan(branch=tree.branch1, year=THIS_YEAR, data=plan(), acting_user=None)
    p.planned = 9
    with pytest.raises(PermissionError):
        p.save()


@pytest.mark.parametrize(
    ("year_offset", "data", "field"),
    [
        (-1, plan(), "年度"),  # a past year is closed
        (2, plan(), "年度"),  # too far ahead
        (0, plan(4, leaders=1), "来源合计"),  # sources add up to 3, not 4
    ],
)
def test_plans_that_cannot_be_set(tree, users, year_offset, data, field):
    with pytest.raises(DomainError) as exc:
        plans.set_plan(
            branch=tree.branch1,
            year=THIS_YEAR + year_offset,
            data=data,
            acting_user=users[Role.ORG_DEPARTMENT],
        )
    assert exc.value.problems[0].field == field
    assert exc.value.problems[0].message.startswith(f"{field}：")


def test_a_plan_is_set_per_branch_not_per_committee(tree, users):
    with pytest.raises(DomainError, match="党支部"):
        plans.set_plan(branch=tree.mine1, year=THIS_YEAR, data=plan(), acting_user=users[Role.ORG_DEPARTMENT])


# --- plan vs actual, structure, 双培 -------------------------------------------------------


def test_overview_tracks_plan_against_the_years_approvals(tree, users, make_person):
    AdmissionPlan.objects.create(
        branch=tree.branch1, year=2025, planned=4, from_team_leaders=2, from_frontline=2
    )
    approved(make_person, tree.branch1, name="班长甲", job_post="综采班长", is_frontline=True)
    approved(make_person, tree.branch1, name="青年乙", birth_date=date(1995, 1, 1))
    approved(make_person, tree.branch1, name="机关丙", job_post="会计")  # none of the three
    approved(make_person, tree.branch1, name="去年丁", on=date(2024, 12, 31), is_frontline=True)
    approved(make_person, tree.branch2, name="二矿戊", is_frontline=True)
    view = plans.overview(users[Role.ORG_DEPARTMENT], tree.enterprise, year=2025)
    (line,) = [b for b in view.branches if b.branch == tree.branch1]
    assert line.plan.planned == 4 and line.figure.total == 3 and line.completion == "75%"
    assert line.committee == tree.mine1
    assert dict((s, (p, a)) for s, p, a in line.planned_sources)["一线班组长"] == (2, 1)
    assert (line.figure.qualifying, line.figure.percent, line.figure.meets_target) == (2, "66.7%", False)
    committees = {c.committee.name: c for c in view.committees}
    assert committees["一矿党委"].figure.total == 3 and committees["一矿党委"].planned == 4
    assert committees["二矿党委"].figure.meets_target is True
    assert (view.total.figure.qualifying, view.total.figure.total) == (3, 4)  # the enterprise: 75%
    assert view.total.figure.meets_target is True


def test_a_corrected_approval_counts_by_its_correction(tree, users, make_person):
    p = approved(make_person, tree.branch1, on=date(2024, 12, 30))
    original = Step.objects.get(dossier__person=p)
    Step.objects.create(
        dossier=original.dossier, kind=StepKind.APPROVAL, on=date(2025, 1, 3), corrects=original
    )
    assert plans.overview(users[Role.ORG_DEPARTMENT], tree.enterprise, year=2025).total.figure.total == 1
    assert plans.overview(users[Role.ORG_DEPARTMENT], tree.enterprise, year=2024).total.figure.total == 0


def test_dual_cultivation_both_ways(tree, users, make_person):
    backbone = approved(make_person, tree.branch1, name="骨干甲", is_backbone=True)
    late = approved(make_person, tree.branch1, name="后来乙", is_backbone=True)
    # 后来乙 became a backbone after applying: not a backbone who became a member
    PersonEvent.objects.create(
        person=late, kind=PersonEventKind.UPDATED, on=date(2024, 1, 5), changes={"is_backbone": [False, True]}
    )
    member = make_person(tree.branch1, name="党员丙", join_date=date(2010, 7, 1), is_backbone=True)
    PersonEvent.objects.create(
        person=member,
        kind=PersonEventKind.UPDATED,
        on=date(2025, 9, 1),
        changes={"is_backbone": [False, True]},
    )
    view = plans.overview(users[Role.COMMITTEE_SECRETARY], tree.mine1, year=2025)
    assert [(d.kind, d.name) for d in view.dual] == [
        ("backbone_to_member", backbone.name),
        ("member_to_backbone", member.name),
    ]
    (line,) = [b for b in view.branches if b.branch == tree.branch1]
    assert (line.figure.backbones, line.turned_backbone) == (1, 1)


# --- pages ------------------------------------------------------------------------------


def test_committee_page_shows_branches_plans_and_structure(tree, users, make_person, client):
    AdmissionPlan.objects.create(branch=tree.branch1, year=2025, planned=3, from_technicians=3)
    approved(make_person, tree.branch1, name="新甲", is_frontline=True)
    client.force_login(users[Role.COMMITTEE_SECRETARY])
    response = client.get(reverse("admission:plans", args=[tree.mine1.pk]), {"year": "2025"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "综采一队党支部" in page and "机关第一党支部" in page and "掘进二队党支部" not in page
    assert "100.0%" in page and "达标" in page
    assert "2025 年已过去，计划只读" in page
    assert reverse("admission:plan_set", args=[tree.branch1.pk]) not in page  # past year: no edit


def test_enterprise_page_lists_each_committee(tree, users, client):
    client.force_login(users[Role.ORG_DEPARTMENT])
    response = client.get(reverse("admission:plans_home"), follow=True)
    assert response.status_code == 200
    assert [c.committee.name for c in response.context["view"].committees] == ["一矿党委", "二矿党委"]


def test_branch_roles_see_their_branch_only(tree, users, client):
    client.force_login(users[Role.BRANCH_SECRETARY])
    assert client.get(reverse("admission:plans", args=[tree.mine1.pk])).status_code == 404
    assert client.get(reverse("admission:plans", args=[tree.branch2.pk])).status_code == 404
    response = client.get(reverse("admission:plans_home"), follow=True)
    assert response.status_code == 200 and response.context["org"] == tree.branch1
    assert client.get(reverse("admission:plan_set", args=[tree.branch1.pk])).status_code == 403


def test_setting_a_plan_through_the_form(tree, users, client):
    client.force_login(users[Role.COMMITTEE_ORGANIZER])
    url = reverse("admission:plan_set", args=[tree.branch1.pk]) + f"?year={THIS_YEAR}"
    form = {
        "planned": "3",
        "from_team_leaders": "1",
        "from_technicians": "1",
        "from_frontline": "1",
        "from_others": "0",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    assert AdmissionPlan.objects.get().set_by == users[Role.COMMITTEE_ORGANIZER]
    response = client.post(url, {**form, "planned": "4", "from_others": "1"})
    assert response.status_code == 422
    assert "调整原因：调整已制定的计划须说明原因" in response.content.decode()
    assert AdmissionPlan.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"planned": "-1"}, "计划发展人数：不能小于 0"),
        ({"planned": "三"}, "计划发展人数：应为整数"),
        ({"planned": "5"}, "其中：其他人员：各来源人数之和（0）应等于计划发展人数（5）"),
        ({"planned": ""}, "计划发展人数：不能为空"),
    ],
)
def test_bad_plan_input_is_answered_in_chinese(tree, users, client, data, message):
    client.force_login(users[Role.COMMITTEE_ORGANIZER])
    form = {
        "planned": "0",
        "from_team_leaders": "0",
        "from_technicians": "0",
        "from_frontline": "0",
        "from_others": "0",
    }
    response = client.post(reverse("admission:plan_set", args=[tree.branch1.pk]), {**form, **data})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not AdmissionPlan.objects.exists()


def test_a_past_year_plan_page_is_read_only(tree, users, client):
    client.force_login(users[Role.COMMITTEE_ORGANIZER])
    url = reverse("admission:plan_set", args=[tree.branch1.pk]) + f"?year={THIS_YEAR - 1}"
    assert "计划只读" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "planned": "0",
            "from_team_leaders": "0",
            "from_technicians": "0",
            "from_frontline": "0",
            "from_others": "0",
        },
    )
    assert response.status_code == 422 and not AdmissionPlan.objects.exists()


@pytest.mark.parametrize("year", ["abc", "1899", "99999999999999999999"])
def test_a_bad_year_is_named_not_a_500(tree, users, client, year):
    client.force_login(users[Role.COMMITTEE_SECRETARY])
    response = client.get(reverse("admission:plans", args=[tree.mine1.pk]), {"year": year})
    assert response.status_code == 200
    assert "年度：" in response.content.decode()
    export = client.get(reverse("admission:plans_export", args=[tree.mine1.pk]), {"year": year})
    assert export.status_code == 400 and "年度：" in export.content.decode()


def test_the_page_query_count_does_not_grow_with_the_data(tree, users, make_person, client):
    client.force_login(users[Role.ORG_DEPARTMENT])
    approved(make_person, tree.branch1, name="张甲")
    AdmissionPlan.objects.create(branch=tree.branch1, year=2025, planned=1, from_others=1)
    url = reverse("admission:plans", args=[tree.enterprise.pk]) + "?year=2025"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for i, branch in enumerate([tree.branch1, tree.branch2, tree.office_branch] * 3):
        p = approved(make_person, branch, name=f"李{'一二三四五六七八九'[i]}", is_backbone=True)
        PersonEvent.objects.create(
            person=p,
            kind=PersonEventKind.UPDATED,
            on=date(2025, 8, 1),
            changes={"is_backbone": [False, True]},
        )
    AdmissionPlan.objects.create(branch=tree.branch2, year=2025, planned=1, from_others=1)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_export_plans_and_structure_is_audited(tree, users, make_person, client):
    approved(make_person, tree.branch1, name="王甲", is_frontline=True)
    client.force_login(users[Role.COMMITTEE_SECRETARY])
    for table in ("plans", "structure"):
        response = client.get(
            reverse("admission:plans_export", args=[tree.mine1.pk]), {"year": "2025", "table": table}
        )
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        from io import BytesIO

        from openpyxl import load_workbook

        ws = load_workbook(BytesIO(b"".join(response.streaming_content))).active
        values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
        assert (
            values[0][0]
            == f"一矿党委 2025 年{'发展党员计划与完成情况' if table == 'plans' else '新发展党员结构比例与双培'}"
        )
        assert any(row[1] == "综采一队党支部" for row in values[2:])
    assert AuditEntry.objects.filter(action="export").count() == 2
    bad = client.get(reverse("admission:plans_export", args=[tree.mine1.pk]), {"table": "x"})
    assert bad.status_code == 400 and "表格：" in bad.content.decode()


def test_dual_list_page(tree, users, make_person, client):
    approved(make_person, tree.branch1, name="骨干甲", is_backbone=True)
    client.force_login(users[Role.BRANCH_SECRETARY])
    page = client.get(
        reverse("admission:plans_dual", args=[tree.branch1.pk]), {"year": "2025"}
    ).content.decode()
    assert "骨干甲" in page and "生产骨干培养成党员" in page


# --- the training class ----------------------------------------------------------------------


@pytest.fixture
def training(tree, users):
    return plans.create_class(
        committee=tree.mine1,
        data=plans.ClassInput(
            title="2025 年入党积极分子培训班",
            starts_on=date(2025, 4, 7),
            ends_on=date(2025, 4, 9),
            days=3,
            hours=24,
        ),
        acting_user=users[Role.COMMITTEE_ORGANIZER],
    )


def test_completing_the_class_records_the_training_step_through_the_rules(
    candidate, mentors, users, training, client
):
    walk(candidate, TO_APPROVAL[:2], mentors, users)  # sponsors, political review
    client.force_login(users[Role.COMMITTEE_ORGANIZER])
    url = reverse("admission:training_class", args=[training.pk])
    assert candidate.person.name in client.get(url).content.decode()  # offered to enrol
    client.post(reverse("admission:training_enrol", args=[training.pk]), {"dossier": [candidate.pk]})
    a = TrainingAttendance.objects.get()
    client.post(
        reverse("admission:training_attendance", args=[training.pk]),
        {f"present_{a.pk}": "yes", f"passed_{a.pk}": "yes"},
    )
    response = client.post(reverse("admission:training_complete", args=[training.pk]), follow=True)
    assert "已记入集中培训环节：赵申请" in response.content.decode()
    step = Step.objects.get(dossier=candidate, kind=StepKind.TRAINING)
    assert step.on == date(2025, 4, 9)
    assert step.data == {"days": 3, "hours": 24, "knowledge_passed": True}
    assert step.recorded_by == users[Role.COMMITTEE_ORGANIZER]
    training.refresh_from_db()
    assert training.closed_on is not None
    # closed: attendance is read-only; completing again records nothing twice
    response = client.post(
        reverse("admission:training_attendance", args=[training.pk]), {f"present_{a.pk}": "no"}, follow=True
    )
    assert "已于" in response.content.decode() and "只读" in response.content.decode()
    client.post(reverse("admission:training_complete", args=[training.pk]))
    assert Step.objects.filter(dossier=candidate, kind=StepKind.TRAINING).count() == 1


def test_absent_participants_and_activists_get_no_training_step(
    candidate, users, training, tree, make_person
):
    activist_person = make_person(
        tree.branch1,
        name="孙积极",
        political_status="worker",
        application_date=None,
        join_date=None,
        full_member_date=None,
    )
    activist = Dossier.objects.create(
        person=activist_person, stage=Stage.ACTIVIST, stage_since=date(2025, 1, 1), opened_on=date(2024, 6, 1)
    )
    user = users[Role.COMMITTEE_SECRETARY]
    plans.enrol(training_class=training, dossier_ids=[candidate.pk, activist.pk], acting_user=user)
    marks = {a.pk: (a.person_id == activist_person.pk, None) for a in training.attendances.all()}
    plans.set_attendance(training_class=training, marks=marks, acting_user=user)
    done = plans.complete_class(training_class=training, acting_user=user)
    assert done.recorded == [] and done.not_candidates == ["孙积极"]
    assert not Step.objects.filter(kind=StepKind.TRAINING).exists()


def test_a_class_too_short_for_the_rules_is_refused_with_their_reason(candidate, users, training):
    user = users[Role.COMMITTEE_SECRETARY]
    TrainingClass.objects.filter(pk=training.pk).update(days=2, hours=16)  # 细则 art. 16: 3 days or 24 hours
    training.refresh_from_db()
    plans.enrol(training_class=training, dossier_ids=[candidate.pk], acting_user=user)
    a = training.attendances.get()
    plans.set_attendance(training_class=training, marks={a.pk: (True, True)}, acting_user=user)
    done = plans.complete_class(training_class=training, acting_user=user)
    ((name, reasons),) = done.refused
    assert name == "赵申请" and "24 个学时" in "".join(reasons)
    assert done.recorded == [] and not Step.objects.filter(kind=StepKind.TRAINING).exists()
    a.refresh_from_db()
    assert a.step is None


def test_only_the_committee_enrols_people_under_it(candidate, users, training, tree, make_person):
    outsider = make_person(
        tree.branch2,
        name="外甲",
        political_status="worker",
        application_date=None,
        join_date=None,
        full_member_date=None,
    )
    d = Dossier.objects.create(
        person=outsider, stage=Stage.ACTIVIST, stage_since=date(2025, 1, 1), opened_on=date(2024, 6, 1)
    )
    with pytest.raises(DomainError, match="学员：外甲 不在一矿党委范围内"):
        plans.enrol(training_class=training, dossier_ids=[d.pk], acting_user=users[Role.ORG_DEPARTMENT])
    with pytest.raises(DomainError) as exc:
        plans.enrol(
            training_class=training, dossier_ids=[candidate.pk], acting_user=users[Role.BRANCH_SECRETARY]
        )
    assert exc.value.problems[0].code == "forbidden"


def test_branch_sees_its_committees_class_and_its_own_people_only(
    candidate, users, training, tree, make_person, client
):
    office = make_person(
        tree.office_branch,
        name="机关积极",
        political_status="worker",
        application_date=None,
        join_date=None,
        full_member_date=None,
    )
    d = Dossier.objects.create(
        person=office, stage=Stage.ACTIVIST, stage_since=date(2025, 1, 1), opened_on=date(2024, 6, 1)
    )
    plans.enrol(
        training_class=training, dossier_ids=[candidate.pk, d.pk], acting_user=users[Role.COMMITTEE_SECRETARY]
    )
    client.force_login(users[Role.BRANCH_SECRETARY])
    assert training.title in client.get(reverse("admission:training_classes")).content.decode()
    page = client.get(reverse("admission:training_class", args=[training.pk])).content.decode()
    assert "赵申请" in page and "机关积极" not in page
    assert "结业登记并记入" not in page
    assert client.post(reverse("admission:training_complete", args=[training.pk])).status_code == 403


def test_creating_a_class_through_the_form_with_bad_input(tree, users, client):
    client.force_login(users[Role.COMMITTEE_ORGANIZER])
    url = reverse("admission:training_new")
    response = client.post(
        url,
        {
            "committee": tree.mine1.pk,
            "title": "",
            "starts_on": "2025-04-10",
            "ends_on": "2025-04-01",
            "days": "x",
            "hours": "24",
        },
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert (
        "培训班名称：不能为空" in page
        and "结业日期：不能早于开班日期" in page
        and "培训天数：应为整数" in page
    )
    response = client.post(
        url,
        {
            "committee": tree.mine2.pk,
            "title": "外矿班",
            "starts_on": "2025-04-01",
            "ends_on": "2025-04-03",
            "days": "3",
            "hours": "24",
        },
    )
    assert response.status_code == 422 and "举办党委：请从列表中选择" in response.content.decode()
    response = client.post(
        url,
        {
            "committee": tree.mine1.pk,
            "title": "一矿班",
            "starts_on": "2025-04-01",
            "ends_on": "2025-04-03",
            "days": "3",
            "hours": "24",
        },
    )
    assert response.status_code == 302
    c = TrainingClass.objects.get()
    assert (c.committee, c.year, c.days, c.hours) == (tree.mine1, 2025, 3, 24)


def test_bad_attendance_input_names_the_person(candidate, users, training, client):
    plans.enrol(
        training_class=training, dossier_ids=[candidate.pk], acting_user=users[Role.COMMITTEE_SECRETARY]
    )
    a = TrainingAttendance.objects.get()
    client.force_login(users[Role.COMMITTEE_SECRETARY])
    response = client.post(
        reverse("admission:training_attendance", args=[training.pk]),
        {f"present_{a.pk}": "maybe"},
        follow=True,
    )
    assert "出勤（赵申请）：请从列表中选择" in response.content.decode()
    a.refresh_from_db()
    assert a.present is None
