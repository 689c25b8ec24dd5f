"""The form for recording one step: the common fields, plus each step's own facts."""

from django import forms

from vanguard.admission import selectors
from vanguard.admission.models import StepKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("", "—"), ("yes", "是"), ("no", "否")]
OUTCOMES = [
    ("conversion", "按期转为正式党员"),
    ("extension", "延长预备期"),
    ("cancellation", "取消预备党员资格"),
]

# The labels of the common fields, per step (what "decided by" means differs).
DECIDED_BY = {
    StepKind.APPLICATION_TALK: "谈话人",
    StepKind.POLITICAL_REVIEW: "政审经办",
    StepKind.PRE_REVIEW: "预审党委",
    StepKind.COMMITTEE_TALK: "谈话人（党委委员或组织员）",
    StepKind.APPROVAL: "审批党委",
    StepKind.OUTCOME_APPROVAL: "审批党委",
}
MEETING_STEPS = {
    StepKind.ACTIVIST,
    StepKind.CANDIDATE,
    StepKind.COMMITTEE_REVIEW,
    StepKind.CONGRESS,
    StepKind.APPROVAL,
    StepKind.OUTCOME_CONGRESS,
    StepKind.OUTCOME_APPROVAL,
    StepKind.PRE_REVIEW,
}
# Extra fields per step: (name, field factory).
EXTRA: dict[str, list[str]] = {
    StepKind.ACTIVIST: ["mentor1", "mentor2"],
    StepKind.SPONSORS: ["sponsor1", "sponsor2"],
    StepKind.POLITICAL_REVIEW: ["conclusion"],
    StepKind.TRAINING: ["days", "hours", "knowledge_passed"],
    StepKind.COMMITTEE_REVIEW: ["motive_ok", "able_to_fulfil_duties"],
    StepKind.NOTICE: ["start", "end"]
    + [f"objection{i}{part}" for i in (1, 2, 3) for part in ("", "_resolved", "_resolution")],
    StepKind.CONGRESS: ["should_attend", "present", "in_favour", "against", "abstain"],
    StepKind.COMMITTEE_TALK: ["motive_ok"],
    StepKind.APPROVAL: ["special_case"],
    StepKind.OUTCOME_CONGRESS: ["outcome", "extension_months", "should_attend", "present", "in_favour"],
    StepKind.OUTCOME_APPROVAL: ["outcome", "extension_months"],
}


def _count(label):
    return forms.IntegerField(label=label, min_value=0, max_value=10000, required=False)


class StepForm(forms.Form):
    on = forms.DateField(label="日期", widget=DATE)
    decided_by = forms.CharField(label="决定/经办", max_length=100, required=False)
    meeting = forms.CharField(label="会议（名称、届次）", max_length=200, required=False)
    document = forms.CharField(label="材料/文号", max_length=200, required=False)
    note = forms.CharField(
        label="说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, kind: str, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = StepKind(kind)
        self.fields["on"].label = "日期" if kind != StepKind.NOTICE else "公示结束日期"
        if kind in DECIDED_BY:
            self.fields["decided_by"].label = DECIDED_BY[kind]
        if kind not in MEETING_STEPS:
            del self.fields["meeting"]
        if kind == StepKind.NOTICE:
            del self.fields["on"]
        if kind == StepKind.STOP:
            self.fields["note"].required = True
            self.fields["note"].label = "终止培养的原因"
        members = members if members is not None else []
        person_choices = [("", "—")] + [
            (str(p.pk), f"{p.name}（{p.get_political_status_display()}）") for p in members
        ]
        factories = {
            "mentor1": lambda: forms.ChoiceField(label="培养联系人一", choices=person_choices),
            "mentor2": lambda: forms.ChoiceField(
                label="培养联系人二（可不填）", choices=person_choices, required=False
            ),
            "sponsor1": lambda: forms.ChoiceField(label="入党介绍人一", choices=person_choices),
            "sponsor2": lambda: forms.ChoiceField(label="入党介绍人二", choices=person_choices),
            "conclusion": lambda: forms.CharField(label="政审结论", max_length=200),
            "days": lambda: forms.IntegerField(label="培训天数", min_value=0, max_value=365, required=False),
            "hours": lambda: forms.IntegerField(
                label="培训学时", min_value=0, max_value=2000, required=False
            ),
            "knowledge_passed": lambda: forms.ChoiceField(label="党的基本知识考试合格", choices=YES_NO),
            "able_to_fulfil_duties": lambda: forms.ChoiceField(
                label="具备履行党员义务的能力", choices=YES_NO
            ),
            "motive_ok": lambda: forms.ChoiceField(label="入党动机端正", choices=YES_NO),
            "start": lambda: forms.DateField(label="公示开始日期", widget=DATE),
            "end": lambda: forms.DateField(label="公示结束日期", widget=DATE),
            "should_attend": lambda: _count("应到会有表决权的正式党员（人）"),
            "present": lambda: _count("实到（人）"),
            "in_favour": lambda: _count("赞成（含会前书面表决）"),
            "against": lambda: _count("反对"),
            "abstain": lambda: _count("弃权"),
            "special_case": lambda: forms.BooleanField(
                label="特殊情况：延长审批期限至六个月（须说明）", required=False
            ),
            "outcome": lambda: forms.ChoiceField(label="讨论结果", choices=OUTCOMES),
            "extension_months": lambda: forms.IntegerField(
                label="延长预备期（月）", min_value=1, max_value=24, required=False
            ),
        }
        for i in (1, 2, 3):
            factories[f"objection{i}"] = lambda i=i: forms.CharField(
                label=f"反映的问题 {i}", max_length=300, required=False
            )
            factories[f"objection{i}_resolved"] = lambda i=i: forms.BooleanField(
                label="已查清处理", required=False
            )
            factories[f"objection{i}_resolution"] = lambda i=i: forms.CharField(
                label="处理结果", max_length=300, required=False
            )
        for name in EXTRA.get(kind, []):
            self.fields[name] = factories[name]()
        for f in self.fields.values():
            f.error_messages["required"] = "不能为空"
            f.error_messages["invalid"] = (
                "应为 YYYY-MM-DD 格式的日期" if isinstance(f, forms.DateField) else "格式不正确"
            )
            f.error_messages["invalid_choice"] = "请从列表中选择"
            f.error_messages["min_value"] = "不能小于 %(limit_value)s"
            f.error_messages["max_value"] = "不能大于 %(limit_value)s"
        self.members = {str(p.pk): p for p in members}

    def clean(self):
        cleaned = super().clean()
        if self.kind == StepKind.NOTICE and cleaned.get("end"):
            cleaned["on"] = cleaned["end"]
        if self.kind in (StepKind.ACTIVIST, StepKind.SPONSORS):
            picked = [cleaned.get(n) for n in EXTRA[self.kind] if cleaned.get(n)]
            if len(picked) != len(set(picked)):
                self.add_error(EXTRA[self.kind][1], "不能与第一人相同")
        if self.kind == StepKind.TRAINING and not cleaned.get("days") and not cleaned.get("hours"):
            self.add_error("days", "请填写培训天数或学时（至少一项）")
        if cleaned.get("outcome") == "extension" and not cleaned.get("extension_months"):
            self.add_error("extension_months", "延长预备期须填写月数（6–12 个月）")
        return cleaned

    def data_for_step(self) -> dict:
        """The step's own facts, as stored in Step.data."""
        c = self.cleaned_data
        yes_no = {"yes": True, "no": False, "": None}

        def people(names):
            out = []
            for n in names:
                p = self.members.get(c.get(n) or "")
                if p is not None:
                    out.append(selectors.member_ref(p))
            return out

        k = self.kind
        if k == StepKind.ACTIVIST:
            return {"mentors": people(["mentor1", "mentor2"])}
        if k == StepKind.SPONSORS:
            return {"sponsors": people(["sponsor1", "sponsor2"])}
        if k == StepKind.POLITICAL_REVIEW:
            return {"conclusion": c["conclusion"]}
        if k == StepKind.TRAINING:
            return {
                "days": c.get("days"),
                "hours": c.get("hours"),
                "knowledge_passed": yes_no[c["knowledge_passed"]],
            }
        if k == StepKind.COMMITTEE_REVIEW:
            return {
                "motive_ok": yes_no[c["motive_ok"]],
                "able_to_fulfil_duties": yes_no[c["able_to_fulfil_duties"]],
            }
        if k == StepKind.COMMITTEE_TALK:
            return {"motive_ok": yes_no[c["motive_ok"]]}
        if k == StepKind.NOTICE:
            objections = [
                {
                    "text": c[f"objection{i}"],
                    "resolved": bool(c.get(f"objection{i}_resolved")),
                    "resolution": c.get(f"objection{i}_resolution", ""),
                }
                for i in (1, 2, 3)
                if c.get(f"objection{i}")
            ]
            return {"start": c["start"].isoformat(), "end": c["end"].isoformat(), "objections": objections}
        if k in (StepKind.CONGRESS, StepKind.OUTCOME_CONGRESS, StepKind.OUTCOME_APPROVAL):
            keys = [
                "should_attend",
                "present",
                "in_favour",
                "against",
                "abstain",
                "outcome",
                "extension_months",
            ]
            return {key: c[key] for key in keys if key in c and c[key] not in (None, "")}
        if k == StepKind.APPROVAL:
            return {"special_case": bool(c.get("special_case"))}
        return {}
