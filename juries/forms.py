"""Forms of the jury administration pages. They check input; services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors_audit import AuditFilters
from candidates.models import Enrolment, Sex
from certifications.models import Modality
from juries.models import ConflictKind, JuryMember, Quality

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: JuryMember) -> str:
        return f"{obj.user} — {obj.get_quality_display()}"


class MultipleMemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: JuryMember) -> str:
        external = _("external") if obj.external else _("internal")
        return f"{obj.user} — {obj.get_quality_display()}, {external}"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return f"{name} <{obj.email}>" if name else obj.email


class JuryMemberForm(forms.Form):
    """A member profile for an account with the jury role."""

    user = UserChoiceField(label=_("Account"), queryset=User.objects.none(),
                           help_text=_("Accounts with the jury member role."))
    quality = forms.ChoiceField(label=_("Quality"), choices=Quality.choices)
    organisation = forms.CharField(label=_("Organisation"), max_length=300, required=False)
    external = forms.BooleanField(
        label=_("External to the certifier"), required=False, initial=True,
        help_text=_("A professional who does not work for the certifier or its schools."),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False,
                            help_text=_("Only for the composition statistics."))

    def __init__(self, *args: Any, users: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, prefix="member", **kwargs)
        self.fields["user"].queryset = users


class JuryCompositionForm(forms.Form):
    members = MultipleMemberChoiceField(
        label=_("Members"), queryset=JuryMember.objects.none(),
        widget=forms.CheckboxSelectMultiple, required=False,
    )
    president = MemberChoiceField(label=_("President"), queryset=JuryMember.objects.none(),
                                  required=False, empty_label="—")

    def __init__(self, *args: Any, members: QuerySet[JuryMember], **kwargs: Any) -> None:
        super().__init__(*args, prefix="jury", **kwargs)
        self.fields["members"].queryset = members
        self.fields["president"].queryset = members


class EnrolmentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Enrolment) -> str:
        return obj.candidate.legal_name


class ModalityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Modality) -> str:
        label = f"{obj.code} — {obj.title}" if obj.code else obj.title
        return f"{label} ({_('team')})" if obj.team else label


class AssessmentForm(forms.Form):
    """An épreuve to schedule: modality, date, place, candidates (and their teams)."""

    modality = ModalityChoiceField(label=_("Assessment method"),
                                   queryset=Modality.objects.none())
    starts_at = forms.DateTimeField(label=_("Date and time"), widget=DateTimeInput(),
                                    input_formats=DATETIME_FORMATS)
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    all_candidates = forms.BooleanField(
        label=_("All the candidates of the session"), required=False,
        help_text=_("Ticks every candidate below."),
    )
    enrolments = EnrolmentChoiceField(label=_("Candidates"), queryset=Enrolment.objects.none(),
                                      widget=forms.CheckboxSelectMultiple, required=False)

    def __init__(self, *args: Any, modalities: QuerySet[Modality],
                 enrolments: QuerySet[Enrolment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["modality"].queryset = modalities
        self.fields["enrolments"].queryset = enrolments
        self.team_fields: list[tuple[forms.BoundField, Enrolment]] = []
        for enrolment in enrolments:
            name = f"team_{enrolment.public_id}"
            self.fields[name] = forms.CharField(
                label=_("Team of %(name)s") % {"name": enrolment.candidate.legal_name},
                max_length=100, required=False,
            )
            self.team_fields.append((self[name], enrolment))

    def candidate_rows(self) -> list[tuple[Any, forms.BoundField]]:
        """Each candidate's checkbox with its team field, for the table of the page."""
        return list(zip(self["enrolments"], (f for f, _e in self.team_fields), strict=True))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("all_candidates"):
            cleaned["enrolments"] = list(self.fields["enrolments"].queryset)
        if not cleaned.get("enrolments") and "enrolments" not in self.errors:
            self.add_error("enrolments", _("Choose at least one candidate."))
        return cleaned

    def teams(self) -> dict[int, str]:
        """Team name by enrolment id, for a team épreuve only."""
        modality = self.cleaned_data["modality"]
        if not modality.team:
            return {}
        return {
            enrolment.pk: self.cleaned_data.get(f"team_{enrolment.public_id}", "").strip()
            for _field, enrolment in self.team_fields
        }


class AssessmentEditForm(forms.Form):
    """An épreuve's modality, date and time, place and instructions to candidates."""

    modality = ModalityChoiceField(label=_("Assessment method"),
                                   queryset=Modality.objects.none())
    starts_at = forms.DateTimeField(
        label=_("Date and time"), widget=DateTimeInput(), input_formats=DATETIME_FORMATS,
        help_text=_("Moving the assessment moves every candidate's time slot with it."))
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    instructions = forms.CharField(
        label=_("What the candidate brings / instructions"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown to the candidates in their space and on their convocation."))

    def __init__(self, *args: Any, modalities: QuerySet[Modality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["modality"].queryset = modalities


class AssessmentCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the cancellation"), max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the audit trail and shown to the administrators."))


class SlotForm(forms.Form):
    """One candidate's own start time; empty: the assessment's time."""

    starts_at = forms.DateTimeField(label=_("Time slot"), widget=DateTimeInput(),
                                    input_formats=DATETIME_FORMATS, required=False)


class SlotDistributeForm(forms.Form):
    pause_minutes = forms.IntegerField(
        label=_("Break between candidates (minutes)"), min_value=0, max_value=600, initial=0,
        help_text=_("Each slot lasts the assessment's duration plus the candidate's extra "
                    "time, then this break."))


class JuryInviteForm(forms.Form):
    """A new external jury member, invited by e-mail to choose a password."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    organisation = forms.CharField(label=_("Organisation"), max_length=300, required=False)
    quality = forms.ChoiceField(label=_("Quality"), choices=Quality.choices,
                                initial=Quality.EMPLOYER)
    external = forms.BooleanField(
        label=_("External to the certifier"), required=False, initial=True,
        help_text=_("A professional who does not work for the certifier or its schools."),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False,
                            help_text=_("Only for the composition statistics."))
    language = forms.ChoiceField(label=_("Language of the e-mails"),
                                 choices=settings.LANGUAGES, initial="fr")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="invite", **kwargs)


class AssignmentBulkForm(forms.Form):
    member = MemberChoiceField(label=_("Jury member"), queryset=JuryMember.objects.none())

    def __init__(self, *args: Any, members: QuerySet[JuryMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class ConflictForm(forms.Form):
    """A conflict of interest declared by the member themself."""

    kind = forms.ChoiceField(label=_("Kind of tie"), choices=ConflictKind.choices,
                             widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("For example: the course you gave, the years."))


class ConflictAdminForm(ConflictForm):
    """A conflict of interest recorded by an administrator for a member."""

    member = MemberChoiceField(label=_("Jury member"), queryset=JuryMember.objects.none())
    field_order = ["member", "kind", "note"]

    def __init__(self, *args: Any, members: QuerySet[JuryMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who (e-mail)"), max_length=254, required=False)
    session = forms.UUIDField(label=_("Session (identifier)"), required=False)
    candidate = forms.UUIDField(label=_("Candidate (identifier)"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput(),
                            input_formats=DATE_FORMATS)
    until = forms.DateField(label=_("To"), required=False, widget=DateInput(),
                            input_formats=DATE_FORMATS)

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All")), *((a, a) for a in actions)]

    def filters(self) -> AuditFilters:
        """The filters typed; an invalid field is ignored (the form shows its error)."""
        if not self.is_bound:
            return AuditFilters()
        self.is_valid()
        data = self.cleaned_data
        return AuditFilters(
            action=data.get("action") or "", actor=(data.get("actor") or "").strip(),
            session=data.get("session"), candidate=data.get("candidate"),
            since=data.get("since"), until=data.get("until"),
        )

