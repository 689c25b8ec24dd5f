"""Forms for the register. They parse; the rules live in people.rules and services."""

from django import forms

from vanguard.organizations.models import Organization, ProductionUnit
from vanguard.people.models import ArchiveReason, Education, Employment, Gender, PoliticalStatus
from vanguard.people.services import FIELD_NAMES, PersonData

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=30)
    id_number = forms.CharField(
        label="身份证号", max_length=18, required=False, help_text="填写后自动核对出生日期与性别"
    )
    gender = forms.ChoiceField(label="性别", choices=[("", "按身份证号"), *Gender.choices], required=False)
    birth_date = forms.DateField(label="出生日期", required=False, widget=DATE)
    ethnicity = forms.CharField(label="民族", max_length=20, initial="汉族")
    native_place = forms.CharField(label="籍贯", max_length=50, required=False)
    education = forms.ChoiceField(label="学历", choices=[("", "—"), *Education.choices], required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    political_status = forms.ChoiceField(label="政治面貌", choices=PoliticalStatus.choices)
    application_date = forms.DateField(label="申请入党日期", required=False, widget=DATE)
    join_date = forms.DateField(label="入党日期", required=False, widget=DATE)
    full_member_date = forms.DateField(label="转正日期", required=False, widget=DATE)
    branch = forms.ModelChoiceField(label="所在党支部", queryset=Organization.objects.none())
    group = forms.ModelChoiceField(label="党小组", queryset=Organization.objects.none(), required=False)
    party_post = forms.CharField(label="党内职务", max_length=50, required=False)
    work_district = forms.ModelChoiceField(
        label="区队", queryset=ProductionUnit.objects.none(), required=False
    )
    crew = forms.ModelChoiceField(label="班组", queryset=ProductionUnit.objects.none(), required=False)
    job_post = forms.CharField(label="岗位", max_length=50, required=False)
    job_type = forms.CharField(label="工种", max_length=50, required=False)
    is_frontline = forms.BooleanField(label="一线职工", required=False)
    is_technician = forms.BooleanField(label="专业技术人员", required=False)
    is_backbone = forms.BooleanField(label="生产骨干", required=False)
    employment = forms.ChoiceField(label="在岗情况", choices=Employment.choices)
    is_in_difficulty = forms.BooleanField(label="困难党员/职工", required=False)
    is_mobile = forms.BooleanField(label="流动党员", required=False)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    CHECKBOXES = ("is_frontline", "is_technician", "is_backbone", "is_in_difficulty", "is_mobile")

    def __init__(self, *args, branches, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        self.fields["group"].queryset = Organization.objects.filter(
            parent__in=branches, kind="group", status="active"
        )
        self.fields["work_district"].queryset = units.filter(kind="work_district")
        self.fields["crew"].queryset = units.filter(kind="crew")
        for f in self.fields.values():
            f.error_messages.setdefault("required", "不能为空")
            f.error_messages["required"] = "不能为空"
            f.error_messages["invalid"] = (
                "格式不正确" if not isinstance(f, forms.DateField) else "应为 YYYY-MM-DD 格式的日期"
            )
            f.error_messages["invalid_choice"] = "请从列表中选择"

    def to_data(self) -> PersonData:
        values = {name: self.cleaned_data.get(name) for name in FIELD_NAMES}
        for name in (
            "ethnicity",
            "native_place",
            "education",
            "phone",
            "party_post",
            "job_post",
            "job_type",
            "note",
        ):
            values[name] = values[name] or ""
        values["gender"] = values["gender"] or None
        return PersonData(**values)

    def add_problems(self, problems) -> None:
        """Put each service problem under the field it names (by its Chinese label)."""
        by_label = {str(f.label): name for name, f in self.fields.items()}
        for p in problems:
            field = by_label.get(p.field)
            message = p.message.split("：", 1)[1] if field and "：" in p.message else p.message
            self.add_error(field, message)

    @staticmethod
    def initial_from(person) -> dict:
        return {name: getattr(person, name) for name in FIELD_NAMES}


class TransferForm(forms.Form):
    to_branch = forms.ModelChoiceField(label="转入支部", queryset=Organization.objects.none())
    to_group = forms.ModelChoiceField(label="党小组", queryset=Organization.objects.none(), required=False)
    on = forms.DateField(label="转接日期", required=False, widget=DATE)
    note = forms.CharField(label="说明（介绍信编号等）", max_length=200, required=False)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_branch"].queryset = branches
        self.fields["to_group"].queryset = Organization.objects.filter(
            parent__in=branches, kind="group", status="active"
        )
        for f in self.fields.values():
            f.error_messages["required"] = "不能为空"
            f.error_messages["invalid_choice"] = "请从列表中选择（须在您的管理范围内）"


class ArchiveForm(forms.Form):
    reason = forms.ChoiceField(label="归档原因", choices=ArchiveReason.choices)
    on = forms.DateField(label="归档日期", required=False, widget=DATE)
    note = forms.CharField(label="说明", max_length=200, required=False)
