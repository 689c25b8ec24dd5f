"""Admission pages: the pipeline board, a branch's dossiers, one dossier as a checklist
with what the rules say, and the form that records a step. Thin: parse, call one
service or selector, render."""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from vanguard.accounts.policy import requires, scope_of
from vanguard.admission import rules, selectors, services
from vanguard.admission.forms import StepForm
from vanguard.admission.models import OPEN_STAGES, Stage, StepKind
from vanguard.core.errors import DomainError, NotFoundOrForbidden
from vanguard.organizations import selectors as org_selectors
from vanguard.organizations.selectors import visible_organizations
from vanguard.people import selectors as people_selectors

CHECK_NAMES = {1: "一查记录", 2: "二查预审", 3: "三查思想", 4: "四查表现", 5: "五查会议记录"}


def _dossier(request, pk, action="admission.view"):
    try:
        return selectors.get_dossier(request.user, pk, action=action)
    except NotFoundOrForbidden:
        raise Http404("档案不存在或超出您的查看范围") from None


@requires("admission.view")
def board(request):
    """The pipeline board at one level of the tree (`?org=`; `?branch=` is the same),
    and the open dossiers below it."""
    org = None
    wanted = request.GET.get("org") or request.GET.get("branch") or ""
    if wanted:
        org = visible_organizations(request.user).filter(pk=int(wanted) if wanted.isdigit() else 0).first()
        if org is None:
            raise Http404("组织不存在或超出您的查看范围")
    stage = request.GET.get("stage", "")
    dossiers = selectors.visible_dossiers(request.user).filter(stage__in=OPEN_STAGES)
    if org:
        dossiers = dossiers.filter(person__branch__path__startswith=org.path)
    if stage in Stage.values:
        dossiers = dossiers.filter(stage=stage)
    page = Paginator(
        dossiers.select_related("person", "person__branch").order_by("stage_since", "id"), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "admission/board.html",
        {
            "nav": "admission",
            "board": selectors.board(request.user, org=org),
            "org": org,
            "ancestors": org_selectors.ancestors_of(org) if org else [],
            "stage": stage,
            "page": page,
            "open_stages": [(s, Stage(s).label) for s in OPEN_STAGES],
        },
    )


def _checklist(steps):
    effective = selectors.effective_steps(steps)
    by_kind: dict[str, list] = {}
    for s in effective:
        by_kind.setdefault(s.kind, []).append(s)
    return [
        (kind, by_kind.get(kind.value, []))
        for kind in StepKind
        if kind != StepKind.STOP or kind.value in by_kind
    ]


@requires("admission.view")
def detail(request, pk):
    dossier = _dossier(request, pk)
    steps = selectors.steps_of(dossier)
    scope = scope_of(request.user)
    can_record = scope.allows_person("admission.record", dossier.person)
    can_approve = scope.allows_person("admission.approve", dossier.person)
    done = {s.kind for s in selectors.effective_steps(steps)}
    allowed = (
        [
            StepKind(k)
            for k in services.ALLOWED_AT[dossier.stage]
            if (can_approve if k in services.COMMITTEE_STEPS else can_record)
            and (k in services.REPEATABLE or k not in done)
        ]
        if not dossier.archived_on
        else []
    )
    verdict = None
    if dossier.stage == Stage.CANDIDATE:
        verdict = rules.check_approval(
            selectors.facts(dossier, steps), on=timezone.localdate(), notice_rule=services.notice_rule()
        )
    return render(
        request,
        "admission/detail.html",
        {
            "nav": "admission",
            "dossier": dossier,
            "person": dossier.person,
            "checklist": _checklist(steps),
            "corrections": [s for s in steps if s.corrects_id],
            "allowed": allowed,
            "verdict": verdict,
            "check_names": CHECK_NAMES,
            "probation_end": services.probation_end(steps),
        },
    )


@requires("admission.record")
def record(request, pk, kind):
    if kind not in StepKind.values:
        raise Http404("没有这一环节")
    action = "admission.approve" if kind in services.COMMITTEE_STEPS else "admission.record"
    dossier = _dossier(request, pk, action=action)
    members = (
        selectors.members_who_may_vouch(dossier.person)
        if kind in (StepKind.ACTIVIST, StepKind.SPONSORS)
        else []
    )
    form = StepForm(request.POST or None, kind=kind, members=members, initial={"on": timezone.localdate()})
    findings = []
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            services.record_step(
                dossier=dossier,
                step=services.StepInput(
                    kind=kind,
                    on=c["on"],
                    decided_by=c.get("decided_by", ""),
                    meeting=c.get("meeting", ""),
                    document=c.get("document", ""),
                    note=c.get("note", ""),
                    data=form.data_for_step(),
                ),
                acting_user=request.user,
            )
        except DomainError as exc:
            findings = exc.problems
        else:
            messages.success(request, f"已记录：{StepKind(kind).label}")
            return redirect("admission:detail", pk=dossier.pk)
    status = 422 if (form.errors or findings) else 200
    return render(
        request,
        "admission/record.html",
        {
            "nav": "admission",
            "dossier": dossier,
            "person": dossier.person,
            "form": form,
            "kind": StepKind(kind),
            "findings": findings,
        },
        status=status,
    )


@require_POST
@requires("admission.record")
def open_dossier(request, person_pk):
    try:
        person = people_selectors.get_person(request.user, person_pk, action="admission.record")
    except NotFoundOrForbidden:
        raise Http404("人员不存在或超出您的范围") from None
    on_text = request.POST.get("on", "")
    try:
        on = date.fromisoformat(on_text) if on_text else timezone.localdate()
    except ValueError:
        messages.error(request, "申请日期：应为 YYYY-MM-DD 格式的日期")
        return redirect("people:detail", pk=person.pk)
    try:
        dossier = services.open_dossier(person=person, on=on, acting_user=request.user)
    except DomainError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("people:detail", pk=person.pk)
    messages.success(request, f"已为 {person.name} 建立发展党员档案")
    return redirect("admission:detail", pk=dossier.pk)
