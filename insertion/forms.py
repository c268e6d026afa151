"""The questionnaire: employed?, in the job the certification prepares for?, contract
type, job title (optional). The two last questions and the contract only count when
employed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from insertion.models import ContractType, InsertionSurvey

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


class QuestionnaireForm(forms.Form):
    employed = forms.ChoiceField(label=_("Are you employed today?"), choices=YES_NO,
                                 widget=forms.RadioSelect,
                                 help_text=_("As an employee, self-employed or in the civil "
                                             "service, whatever the contract."))
    in_target_job = forms.ChoiceField(
        label=_("Is it the job this certification prepares for?"), choices=YES_NO,
        widget=forms.RadioSelect, required=False,
        help_text=_("Answer if you are employed."))
    contract_type = forms.ChoiceField(label=_("Your contract"), choices=ContractType.choices,
                                      widget=forms.RadioSelect, required=False,
                                      help_text=_("Answer if you are employed."))
    job_title = forms.CharField(label=_("Your job title (optional)"), max_length=200,
                                required=False)

    @classmethod
    def for_survey(cls, survey: InsertionSurvey, data: Any = None) -> QuestionnaireForm:
        """Empty before the first answer; the answer given, to correct it, after."""
        initial = {}
        if survey.answered_at is not None:
            initial = {"employed": _yes_no(survey.employed),
                       "in_target_job": _yes_no(survey.in_target_job) if survey.employed
                       else None,
                       "contract_type": survey.contract_type, "job_title": survey.job_title}
        return cls(data, initial=initial)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("employed") == "yes":
            if not data.get("in_target_job"):
                self.add_error("in_target_job", _("Say whether it is the job this "
                                                  "certification prepares for."))
            if not data.get("contract_type"):
                self.add_error("contract_type", _("Choose your contract."))
        return data

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        employed = data["employed"] == "yes"
        return {"employed": employed,
                "in_target_job": employed and data.get("in_target_job") == "yes",
                "contract_type": data.get("contract_type", "") if employed else "",
                "job_title": data.get("job_title", "") if employed else ""}
