"""违规发展党员排查: the audit finds exactly the violations seed_demo planted, within the
viewer's scope, lists and exports them, and answers bad input in Chinese."""

from io import BytesIO, StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from vanguard.accounts.models import User
from vanguard.admission import audit
from vanguard.admission.models import AuditResult, AuditRun, Dossier
from vanguard.core.models import AuditEntry
from vanguard.demo import dossiers as demo_dossiers
from vanguard.demo.services import seed_demo
from vanguard.organizations.models import Organization

N = 600


@pytest.fixture
def seeded(db, monkeypatch):
    # Many planted violations, so that every kind appears in a small group.
    monkeypatch.setattr(demo_dossiers, "VIOLATION_SHARE", 0.4)
    return seed_demo(members=N, seed=11, dossiers=N)


def user(name):
    return User.objects.get(username=name)


def run_for(username):
    run = audit.start_run(acting_user=user(username), background=False)
    return audit.execute_run(run.pk)


def found(run):
    return {r.dossier_id: tuple(sorted(set(r.codes.strip(",").split(",")))) for r in run.results.all()}


def test_the_audit_finds_exactly_the_planted_violations(seeded):
    run = run_for("orgdept")
    assert run.status == AuditRun.Status.DONE
    assert run.dossiers == Dossier.objects.count() == N
    assert found(run) == seeded.planted
    assert run.flagged == len(seeded.planted)


def test_every_planted_kind_is_found_with_its_check_number(seeded):
    run = run_for("orgdept")
    codes = {f["code"]: f["check"] for r in run.results.all() for f in r.findings}
    assert set(codes) == set(demo_dossiers.PLANTED)
    assert codes == {
        "cultivation": 1,
        "pre_review": 2,
        "notice_length": 4,
        "notice_objection": 4,
        "approval_window": None,
        "congress_quorum": None,
    }
    assert run.counts["codes"] == {
        code: sum(code in planted for planted in seeded.planted.values()) for code in run.counts["codes"]
    }


def test_clean_dossiers_have_no_findings(seeded):
    today = timezone.localdate()
    clean = [(h, f) for h, f in audit.audit_dossiers(None, today=today) if h.id not in seeded.planted]
    assert len(clean) == N - len(seeded.planted) > 0
    assert [h.id for h, f in clean if f] == []


def test_a_committee_audits_only_its_subtree(seeded):
    mine1 = Organization.objects.get(name="一矿党委")
    run = run_for("mine1_secretary")
    inside = set(
        Dossier.objects.filter(person__branch__path__startswith=mine1.path).values_list("pk", flat=True)
    )
    assert run.dossiers == len(inside) < N
    assert set(found(run)) == {pk for pk in seeded.planted if pk in inside}


def test_a_branch_secretary_audits_only_the_branch(seeded):
    branch = Organization.objects.get(parent__name="一矿党委", name="综采一队党支部")
    run = run_for("branch_secretary")
    assert run.dossiers == Dossier.objects.filter(person__branch=branch).count()
    assert {r.branch_id for r in run.results.all()} <= {branch.pk}


def test_the_list_shows_only_what_the_viewer_may_see_today(seeded, client):
    run = run_for("orgdept")
    mine1 = Organization.objects.get(name="一矿党委")
    secretary = user("mine1_secretary")
    run.started_by = secretary  # even a run over the enterprise shows a committee its own subtree
    run.save()
    visible = audit.results(run, secretary)
    assert visible.count() < run.flagged
    assert all(r.dossier.person.branch.path.startswith(mine1.path) for r in visible)


@pytest.fixture
def orgdept_client(seeded, client):
    client.force_login(user("orgdept"))
    return client


def test_starting_an_audit_runs_the_job_and_shows_the_result(
    orgdept_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = orgdept_client.post(reverse("admission:audit_start"))
    run = AuditRun.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"?run={run.pk}")
    assert run.status == AuditRun.Status.DONE
    page = orgdept_client.get(response.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "有问题的档案" in text and str(run.flagged) in text
    assert AuditEntry.objects.filter(action="admission.audit", object_id=str(run.pk)).exists()


def test_a_queued_run_is_shown_as_running(orgdept_client):
    run = audit.start_run(acting_user=user("orgdept"), background=False)
    response = orgdept_client.get(reverse("admission:audit"), {"run": run.pk})
    assert response.status_code == 200
    assert "正在排查" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"check": "1"}, lambda r: ",1," in r.checks),
        ({"check": "4"}, lambda r: ",4," in r.checks),
        ({"code": "congress_quorum"}, lambda r: ",congress_quorum," in r.codes),
    ],
)
def test_filters_narrow_the_list(orgdept_client, params, expected):
    run = run_for("orgdept")
    response = orgdept_client.get(reverse("admission:audit"), {"run": run.pk, **params})
    assert response.status_code == 200
    shown = list(response.context["page"].object_list)
    wanted = [r for r in run.results.order_by("id") if expected(r)]
    assert len(wanted) > 0 and [r.pk for r in shown] == [r.pk for r in wanted][: len(shown)]
    assert response.context["page"].paginator.count == len(wanted)


def test_the_branch_filter_takes_a_committee_and_its_branches(orgdept_client):
    run = run_for("orgdept")
    mine1 = Organization.objects.get(name="一矿党委")
    response = orgdept_client.get(reverse("admission:audit"), {"run": run.pk, "branch": mine1.pk})
    assert response.status_code == 200
    count = response.context["page"].paginator.count
    assert 0 < count == run.results.filter(branch__path__startswith=mine1.path).count() < run.flagged


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"check": "9"}, "五查：应为 1 至 5"),
        ({"check": "一"}, "五查：应为 1 至 5"),
        ({"code": "<script>"}, "问题代码：没有"),
        ({"branch": "abc"}, "党组织："),
        ({"branch": "99999999"}, "不存在或超出您的查看范围"),
        ({"branch": "9" * 40}, "党组织："),
    ],
)
def test_bad_filters_are_answered_in_chinese(orgdept_client, params, message):
    run = run_for("orgdept")
    response = orgdept_client.get(reverse("admission:audit"), {"run": run.pk, **params})
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "-1", "1" * 30, "0"])
def test_a_bad_run_number_is_404_never_500(orgdept_client, value):
    response = orgdept_client.get(reverse("admission:audit"), {"run": value})
    assert response.status_code == 404


def test_a_run_of_another_user_is_not_shown(seeded, client):
    run = run_for("orgdept")
    client.force_login(user("mine1_secretary"))
    assert client.get(reverse("admission:audit"), {"run": run.pk}).status_code == 404
    assert client.get(reverse("admission:audit_export"), {"run": run.pk}).status_code == 404


def test_bad_page_numbers_fall_back(orgdept_client):
    run = run_for("orgdept")
    for page in ("x", "-3", "99999"):
        assert (
            orgdept_client.get(reverse("admission:audit"), {"run": run.pk, "page": page}).status_code == 200
        )


def test_the_list_runs_a_constant_number_of_queries(orgdept_client):
    run = run_for("orgdept")
    counts = []
    for params in ({}, {"page": 2}, {"check": "1"}, {"code": "notice_length"}):
        with CaptureQueriesContext(connection) as ctx:
            response = orgdept_client.get(reverse("admission:audit"), {"run": run.pk, **params})
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert len(set(counts)) == 1, counts


def _sheet_rows(response):
    content = b"".join(response.streaming_content)
    ws = openpyxl.load_workbook(BytesIO(content), read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1] == tuple(audit.EXPORT_HEADERS)
    return rows[2:]


def test_the_export_opens_and_matches_the_list(orgdept_client):
    run = run_for("orgdept")
    response = orgdept_client.get(reverse("admission:audit_export"), {"run": run.pk, "check": "4"})
    assert response.status_code == 200
    rows = _sheet_rows(response)
    listed = orgdept_client.get(reverse("admission:audit"), {"run": run.pk, "check": "4"}).context["page"]
    wanted = {
        (r.dossier_id, f["code"])
        for r in audit.results(run, user("orgdept"), audit.Filters(check=4))
        for f in r.findings
    }
    assert {(row[0], row[5]) for row in rows} == wanted
    assert {row[0] for row in rows} >= {r.dossier_id for r in listed.object_list}
    entry = AuditEntry.objects.get(action="export")
    assert entry.changes["rows"] == len(rows) and entry.changes["check"] == 4


def test_an_export_with_a_bad_filter_is_refused_in_chinese(orgdept_client):
    run = run_for("orgdept")
    response = orgdept_client.get(
        reverse("admission:audit_export"), {"run": run.pk, "code": "nope"}, follow=True
    )
    assert "问题代码：没有" in response.content.decode()
    assert not AuditEntry.objects.filter(action="export").exists()


def test_a_finished_run_is_not_run_again(seeded):
    run = run_for("orgdept")
    before = list(run.results.values_list("pk", flat=True))
    assert audit.execute_run(run.pk).status == AuditRun.Status.DONE
    assert list(run.results.values_list("pk", flat=True)) == before


def test_a_run_whose_starter_is_gone_fails_in_chinese(seeded):
    run = audit.start_run(acting_user=user("orgdept"), background=False)
    User.objects.filter(username="orgdept").update(is_active=False)
    run = audit.execute_run(run.pk)
    assert run.status == AuditRun.Status.FAILED and "停用" in run.error
    assert not AuditResult.objects.filter(run=run).exists()


def test_the_command_prints_the_findings_as_json_lines(seeded):
    out, err = StringIO(), StringIO()
    call_command("admission_audit", json=True, stdout=out, stderr=err)
    import json

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {
        line["dossier"]: tuple(sorted({f["code"] for f in line["findings"]})) for line in lines
    } == seeded.planted
    assert f"排查 {N} 份档案" in err.getvalue()
