"""Forms of the monthly assessment pages: parsing only; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from vanguard.assessment import evidence as evidence_files
from vanguard.assessment.models import ItemSource

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ERRORS = {
    "required": "不能为空",
    "invalid": "格式不正确",
    "invalid_choice": "请从列表中选择",
    "max_digits": "数字过大",
    "max_decimal_places": "最多一位小数",
    "max_length": "不能超过 %(limit_value)d 个字",
    "empty": "是空文件",
    "missing": "没有收到文件",
}


def _chinese(form: forms.Form) -> None:
    for f in form.fields.values():
        f.error_messages.update(ERRORS)


def _points(label, required=True):
    return forms.DecimalField(label=label, max_digits=5, decimal_places=1, required=required)


class EntryForm(forms.Form):
    person = forms.ChoiceField(label="党员")
    item = forms.ChoiceField(label="考评项目")
    on = forms.DateField(label="日期", widget=DATE)
    points = _points("分值（空：按项目分值）", required=False)
    evidence = forms.CharField(
        label="依据", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Two ways to one attachment: the camera straight away on a phone, or any accepted
    # photo or file. The service decides by the content (`evidence.py`).
    photo = forms.FileField(
        label="拍照（手机）",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    attachment = forms.FileField(
        label="或选择照片/文件",
        required=False,
        help_text=f"{evidence_files.ACCEPTED_TEXT}，不超过 10 MB",
        widget=forms.FileInput(attrs={"accept": evidence_files.ACCEPT_ATTRIBUTE}),
    )

    def clean(self):
        data = super().clean()
        if data.get("photo") and data.get("attachment"):
            self.add_error("attachment", "拍照与选择文件只能用一种")
        data["file"] = data.get("photo") or data.get("attachment")
        return data

    def __init__(self, *args, people, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(p.pk): p for p in people}
        self.items = {str(i.pk): i for i in items}
        self.fields["person"].choices = [("", "—")] + [(k, p.name) for k, p in self.people.items()]
        self.fields["item"].choices = [("", "—")] + [
            (k, f"{i.name}（{'+' if i.points > 0 else ''}{i.points}）")
            for k, i in self.items.items()
            if i.source == ItemSource.MANUAL
        ]
        _chinese(self)


class RulesForm(forms.Form):
    effective_from = forms.CharField(label="起用月份（YYYY-MM）", max_length=7)
    base = _points("基础分")
    floor = _points("保底分")
    cap = _points("封顶分")
    pass_mark = _points("合格线")
    penalty = forms.DecimalField(
        label="不合格处罚（元）", max_digits=8, decimal_places=2, min_value=Decimal(0)
    )
    leader_group_weight = forms.IntegerField(
        label="党小组长考核：小组平均分权重（%，0 为不计）",
        min_value=0,
        max_value=100,
        initial=0,
        required=False,
    )
    items = forms.CharField(
        label="项目（每行：名称, 分值, 每月上限；扣分写负数，上限可空）",
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _chinese(self)

    def clean_items(self):
        from vanguard.assessment.services import ItemInput

        parsed = []
        for n, line in enumerate(self.cleaned_data["items"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            try:
                name, points = parts[0], Decimal(parts[1])
                limit = Decimal(parts[2]) if len(parts) > 2 and parts[2] else None
            except (IndexError, ArithmeticError):
                raise forms.ValidationError(f"第 {n} 行：应为“名称, 分值, 每月上限”") from None
            parsed.append(ItemInput(name, points, limit))
        return parsed
