"""Forms of sessions and enrolments. They check input; services hold the rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import (
    FileExtensionValidator,
    MaxValueValidator,
    MinValueValidator,
)
from django.db.models import Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from candidates.declaration_checks import Level, holder_problems
from candidates.geography import birthplace_problems
from candidates.models import AccessRoute, AcquisitionOrigin, Sex
from candidates.services import AcquiredBlocInput, EnrolmentTerms, Identity
from candidates.validators import INSEE_CODE_MESSAGE, is_insee_code
from certifications.models import Bloc, Partner, PartnerKind, Referentiel

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date_field(label: str, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(), input_formats=DATE_FORMATS,
                           **kwargs)


class ReferentielChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Referentiel) -> str:
        return _("%(code)s %(title)s — version %(version)s") % {
            "code": obj.certification.code, "title": obj.certification.title,
            "version": obj.version,
        }


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Partner) -> str:
        return _("%(name)s (SIRET %(siret)s) — partner of %(code)s") % {
            "name": obj.legal_name, "siret": obj.siret,
            "code": obj.certification.code or obj.certification.title}


def organising_partners() -> QuerySet[Partner]:
    """Partners a session may be opened for: active and habilitated to organise."""
    return (Partner.objects.filter(active=True, kind__in=[PartnerKind.ORGANISE,
                                                          PartnerKind.BOTH])
            .select_related("certification").order_by("certification__code", "legal_name"))


class SessionForm(forms.Form):
    referentiel = ReferentielChoiceField(
        label=_("Certification and framework version"),
        queryset=Referentiel.objects.select_related("certification").order_by(
            "certification__code", "-version"),
    )
    name = forms.CharField(label=_("Name"), max_length=200,
                           help_text=_("For example: Promotion spring 2027."))
    starts_on = _date_field(_("Starts on"))
    ends_on = _date_field(_("Ends on"))
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    partner = PartnerChoiceField(
        label=_("Organised by"), queryset=organising_partners(), required=False,
        empty_label=_("The certifier itself"),
        help_text=_("A partner of the chosen certification habilitated to organise the "
                    "assessment on the session's dates."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The session cannot end before it starts."))
        return cleaned


class SessionEditForm(SessionForm):
    """A session's name, dates, place and partner; its framework version stays."""

    def __init__(self, *args: Any, session: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["referentiel"]
        certification = session.referentiel.certification
        # The current partner stays offered even if withdrawn since.
        self.fields["partner"].queryset = (
            Partner.objects.filter(certification=certification)
            .filter(Q(pk=session.partner_id) | Q(active=True,
                                                 kind__in=[PartnerKind.ORGANISE,
                                                           PartnerKind.BOTH]))
            .select_related("certification").order_by("legal_name"))


class EnrolmentTermsForm(forms.Form):
    """What an enrolment sets, on its creation and its edit: route, target, accommodations."""

    access_route = forms.ChoiceField(label=_("Access route"), choices=AccessRoute.choices)
    target = forms.ChoiceField(
        label=_("Target"), widget=forms.RadioSelect, initial="whole",
        choices=[("whole", _("The whole certification")), ("blocs", _("Chosen blocs"))],
    )
    blocs = forms.ModelMultipleChoiceField(
        label=_("Chosen blocs"), queryset=Bloc.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only when the target is chosen blocs."),
    )

    extra_time_percent = forms.IntegerField(
        label=_("Extra time (%)"), initial=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Tiers-temps: 33."),
    )
    technical_aids = forms.CharField(label=_("Technical aids"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    other_accommodations = forms.CharField(label=_("Other accommodations"), required=False,
                                           widget=forms.Textarea(attrs={"rows": 2}))
    jury_note = forms.CharField(
        label=_("Note for the jury"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the jury must know about the accommodations, shown on the grid."),
    )

    def __init__(self, *args: Any, blocs: QuerySet[Bloc], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["blocs"].queryset = blocs

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("target") == "blocs" and not cleaned.get("blocs"):
            self.add_error("blocs", _("Choose at least one bloc, or the whole certification."))
        return cleaned


class EnrolmentForm(EnrolmentTermsForm):
    """One person enrolled in one session: identity, route and target, accommodations."""

    IDENTITY = ("birth_name", "usage_name", "first_names", "birth_date", "birth_commune",
                "birth_insee_code", "birth_country", "sex", "email", "phone", "language")
    ROUTE = ("access_route", "target", "blocs")
    ACCOMMODATIONS = ("extra_time_percent", "technical_aids", "other_accommodations",
                      "jury_note")
    field_order = [*IDENTITY, *ROUTE, *ACCOMMODATIONS, "invite"]

    birth_name = forms.CharField(label=_("Birth name"), max_length=150)
    usage_name = forms.CharField(label=_("Usage name"), max_length=150, required=False,
                                 help_text=_("Only when it differs from the birth name."))
    first_names = forms.CharField(label=_("First names"), max_length=200,
                                  help_text=_("All first names, as on the ID document."))
    birth_date = _date_field(_("Birth date"))
    birth_commune = forms.CharField(label=_("Birth commune"), max_length=150, required=False)
    birth_insee_code = forms.CharField(
        label=_("INSEE code of the commune"), max_length=5, required=False,
        help_text=_("Five characters, e.g. 75056."),
    )
    birth_country = forms.CharField(label=_("Birth country"), max_length=100, required=False,
                                    help_text=_("For candidates born outside France."))
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices],
                            required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False,
                             help_text=_("The invitation is sent to this address."))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    language = forms.ChoiceField(
        label=_("Language of documents"), choices=settings.LANGUAGES, initial="fr",
        required=False,
        help_text=_("Transcript, attestations and certificate are issued in this language."),
    )


    invite = forms.BooleanField(
        label=_("Send the invitation to the candidate space"), required=False, initial=True,
    )

    def clean_language(self) -> str:
        return self.cleaned_data["language"] or "fr"

    def clean_birth_name(self) -> str:
        return " ".join(self.cleaned_data["birth_name"].split())

    def clean_first_names(self) -> str:
        return " ".join(self.cleaned_data["first_names"].split())

    def clean_birth_insee_code(self) -> str:
        code = self.cleaned_data["birth_insee_code"].strip().upper()
        if code and not is_insee_code(code):
            raise forms.ValidationError(INSEE_CODE_MESSAGE)
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("birth_commune") and not cleaned.get("birth_country"):
            self.add_error("birth_commune", _(
                "Give the birth commune (with its INSEE code) or the birth country."))
        elif "birth_insee_code" not in self.errors:
            # The INSEE lists: a code that is not the commune's or country's is refused here,
            # with the right one suggested, so the Caisse des Dépôts export never finds it.
            for problem in birthplace_problems(cleaned.get("birth_insee_code", ""),
                                               cleaned.get("birth_commune", ""),
                                               cleaned.get("birth_country", "")):
                self.add_error("birth_insee_code", problem)
        self._refuse_invalid_identity(cleaned)
        if cleaned.get("invite") and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("email", _("The invitation needs an e-mail address: give one, or "
                                      "do not send the invitation."))
        return cleaned

    def _refuse_invalid_identity(self, cleaned: dict[str, Any]) -> None:
        """The rule set of the declaration (``candidates.declaration_checks``): what can never
        be declared is refused here; what is missing is announced once enrolled."""
        identity = Identity(**{name: cleaned.get(name) or "" for name in self.IDENTITY
                               if name != "birth_date"},
                            birth_date=cleaned.get("birth_date"))
        for problem in holder_problems(identity):
            if (problem.level is Level.INVALID and problem.field in self.fields
                    and problem.field not in self.errors):
                self.add_error(problem.field, problem.message)

    def identity(self) -> Identity:
        return Identity(**{name: self.cleaned_data[name] or "" for name in self.IDENTITY
                           if name != "birth_date"},
                        birth_date=self.cleaned_data["birth_date"])

    def enrolment_terms(self, *, acquired_blocs: Sequence[AcquiredBlocInput] = ()
                        ) -> EnrolmentTerms:
        """The terms of the enrolment, with the acquired blocs of the formset."""
        data = self.cleaned_data
        whole = data["target"] == "whole"
        return EnrolmentTerms(
            access_route=AccessRoute(data["access_route"]),
            whole_certification=whole,
            target_blocs=[] if whole else list(data["blocs"]),
            extra_time_percent=data["extra_time_percent"],
            technical_aids=data["technical_aids"],
            other_accommodations=data["other_accommodations"],
            jury_note=data["jury_note"],
            acquired_blocs=acquired_blocs,
        )

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (_("Identity"), [self[name] for name in self.IDENTITY]),
            (_("Access route and target"), [self[name] for name in self.ROUTE]),
            (_("Accommodations"), [self[name] for name in self.ACCOMMODATIONS]),
        ]


class AcquiredBlocForm(forms.Form):
    """One bloc acquired before; a row left empty is ignored."""

    bloc = forms.ModelChoiceField(label=_("Bloc"), queryset=Bloc.objects.none(),
                                  required=False, empty_label="—")
    acquired_on = _date_field(_("Acquired on"), required=False)
    origin = forms.ChoiceField(label=_("Origin"), required=False,
                               choices=[("", "—"), *AcquisitionOrigin.choices])
    reference = forms.CharField(
        label=_("Reference"), max_length=200, required=False,
        help_text=_("Attestation number, earlier session, equivalence decision…"),
    )

    def __init__(self, *args: Any, blocs: QuerySet[Bloc], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bloc"].queryset = blocs

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("bloc"):
            for name in ("acquired_on", "origin"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("Required when a bloc is chosen."))
        elif cleaned.get("acquired_on") or cleaned.get("origin") or cleaned.get("reference"):
            self.add_error("bloc", _("Choose the bloc."))
        return cleaned

    def acquired(self) -> AcquiredBlocInput | None:
        data = getattr(self, "cleaned_data", {})
        if not data.get("bloc"):
            return None
        return AcquiredBlocInput(bloc=data["bloc"], acquired_on=data["acquired_on"],
                                 origin=AcquisitionOrigin(data["origin"]),
                                 reference=data["reference"])


class BaseAcquiredBlocFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        chosen = [form.cleaned_data["bloc"] for form in self.forms
                  if form.cleaned_data.get("bloc")]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("The same bloc is given twice."))

    def acquired(self) -> list[AcquiredBlocInput]:
        return [item for form in self.forms if (item := form.acquired()) is not None]


AcquiredBlocFormSet = forms.formset_factory(
    AcquiredBlocForm, formset=BaseAcquiredBlocFormSet, extra=3, max_num=3, absolute_max=3,
)


class EnrolmentImportUploadForm(forms.Form):
    # CSV, Excel's "texte Unicode" (.txt, tab-separated) or XLSX; the content is checked
    # again by the parser, and the size by the service (IMPORT_MAX_UPLOAD_SIZE).
    file = forms.FileField(label=_("File"), validators=[FileExtensionValidator(
        ["csv", "tsv", "txt", "xlsx"],
        message=_("The file type “%(extension)s” is not accepted here. Accepted types: "
                  "%(allowed_extensions)s."))])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "CSV (separated by ; or ,) or XLSX, one row per candidate; at most %(size)s."
        ) % {"size": filesizeformat(settings.IMPORT_MAX_UPLOAD_SIZE)}


class EnrolmentImportConfirmForm(forms.Form):
    invite = forms.BooleanField(
        label=_("Send each candidate the invitation to their space"), required=False,
        initial=True,
    )


# -- a candidate's identity and an enrolment, edited ---------------------------------------
class CandidateIdentityForm(forms.Form):
    """The identity documents print and the Caisse des Dépôts declaration states. The
    birthplace is checked against the INSEE lists by the service (with a suggestion)."""

    birth_name = forms.CharField(label=_("Birth name"), max_length=150)
    usage_name = forms.CharField(label=_("Usage name"), max_length=150, required=False,
                                 help_text=_("Only when it differs from the birth name."))
    first_names = forms.CharField(label=_("First names"), max_length=200,
                                  help_text=_("All first names, as on the ID document."))
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    birth_date = _date_field(_("Birth date"))
    birth_commune = forms.CharField(
        label=_("Birth commune"), max_length=150, required=False,
        help_text=_("Type a few letters, a postal code or an INSEE code: the communes found "
                    "are suggested, with their code."))
    birth_insee_code = forms.CharField(
        label=_("INSEE code of the birthplace"), max_length=5, required=False,
        help_text=_("The commune's code (e.g. 44109 for Nantes), or for a birth abroad the "
                    "country's (99 and three digits, e.g. 99352 for Algeria)."))
    birth_country = forms.CharField(
        label=_("Birth country"), max_length=100, required=False,
        help_text=_("For candidates born outside France: type a few letters, the countries "
                    "found are suggested with their code."))

    def clean_birth_insee_code(self) -> str:
        code = self.cleaned_data["birth_insee_code"].strip().upper()
        if code and not is_insee_code(code):
            raise forms.ValidationError(INSEE_CODE_MESSAGE)
        return code


class EnrolmentEditForm(EnrolmentTermsForm):
    """An enrolment's route, target and accommodations (the identity has its own page)."""

    employer = forms.CharField(
        label=_("Employer or host organisation"), max_length=300, required=False,
        help_text=_("A jury member working there may not assess the candidate."))
    field_order = ["access_route", "target", "blocs", "extra_time_percent", "technical_aids",
                   "other_accommodations", "employer", "jury_note"]

    def update_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        whole = data["target"] == "whole"
        return {
            "access_route": data["access_route"], "whole_certification": whole,
            "target_blocs": [] if whole else list(data["blocs"]),
            **{name: data[name] for name in ("extra_time_percent", "technical_aids",
                                             "other_accommodations", "employer", "jury_note")},
        }


class EnrolmentWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the withdrawal"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the candidate gave up on 3 March (e-mail received). Kept in "
                    "the audit trail: write no health or private detail."))
    scores_confirmed = forms.BooleanField(
        label=_("I confirm: the scores already entered are kept in the record, and the "
                "deliberation leaves this candidate out."), required=False)
