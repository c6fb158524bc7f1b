from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ActionItem


class ActionItemForm(forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = [
            "criterion",
            "title",
            "owner_name",
            "owner_position",
            "owner_department",
            "due_date",
            "status",
            "completion_note",
        ]
        widgets = {
            "due_date": forms.DateInput(
                attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}, format="%d/%m/%Y"
            ),
            "title": forms.Textarea(attrs={"rows": 2}),
            "completion_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, criteria=None, **kwargs):
        super().__init__(*args, **kwargs)
        if criteria is not None:
            self.fields["criterion"].queryset = criteria
        self.fields["criterion"].required = True
        self.fields["owner_name"].required = True
        self.fields["owner_name"].help_text = _("Họ tên người chịu trách nhiệm (rõ người, rõ việc).")
