from django import forms

from vanguard.organizations.models import OrgKind, UnitKind


class CreateChildForm(forms.Form):
    name = forms.CharField(label="组织名称", max_length=100)
    kind = forms.ChoiceField(label="组织类型", choices=OrgKind.choices)
    established_on = forms.DateField(
        label="成立日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class RenameForm(forms.Form):
    name = forms.CharField(label="新名称", max_length=100)
    on = forms.DateField(label="更名日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class MoveForm(forms.Form):
    new_parent = forms.IntegerField(label="新的上级组织", widget=forms.Select)


class MergeForm(forms.Form):
    target = forms.IntegerField(label="并入组织", widget=forms.Select)
    on = forms.DateField(label="合并日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class DissolveForm(forms.Form):
    note = forms.CharField(label="撤销说明（文号等）", max_length=500, required=False)
    on = forms.DateField(label="撤销日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class UnitForm(forms.Form):
    name = forms.CharField(label="区队/班组名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=UnitKind.choices)
