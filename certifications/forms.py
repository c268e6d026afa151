"""Forms of the référentiel import wizard. They check input; services hold the rules."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from certifications.codes import (
    certification_code_is_valid,
    code_normalise,
    siret_is_valid,
    siret_normalise,
)
from certifications.models import PartnerKind

FORMAT_LABELS = {
    "auto": _("Detect from the file"),
    "document": _("Framework document (text, Word, PDF or OpenDocument)"),
    "rncp-xml": _("France Compétences XML export"),
    "spreadsheet": _("Spreadsheet (CSV or XLSX template)"),
    "json": _("Framework JSON (this application's export)"),
}


# The extensions of the formats the import reads (certifications.importers); the content
# is checked again by the parser, and the size by the service (IMPORT_MAX_UPLOAD_SIZE).
IMPORT_EXTENSIONS = ["txt", "md", "tsv", "docx", "pdf", "odt", "xml", "csv", "xlsx", "json"]
WRONG_TYPE = _("The file type “%(extension)s” is not accepted here. Accepted types: "
               "%(allowed_extensions)s.")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        validators=[FileExtensionValidator(IMPORT_EXTENSIONS, message=WRONG_TYPE)],
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{extension}" for extension in IMPORT_EXTENSIONS)}
        ),
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=list(FORMAT_LABELS.items()), initial="auto"
    )
    fiche = forms.CharField(
        label=_("Fiche number (XML export only)"), max_length=20, required=False,
        help_text=_("For example RNCP35609: only this fiche is read from the file."),
    )
    certifier = forms.CharField(
        label=_("Certifier (XML export only)"), max_length=200, required=False,
        help_text=_("Legal name or SIRET: only this certifier's fiches are read."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Framework document (text, Word .docx, PDF or OpenDocument .odt), XML export, "
            "CSV or XLSX spreadsheet, or JSON; at most %(size)s."
        ) % {"size": filesizeformat(settings.IMPORT_MAX_UPLOAD_SIZE)}


class ImportConfirmForm(forms.Form):
    """Optional RNCP code and title fields for the drafts whose document gave none."""

    def __init__(
        self,
        *args: Any,
        missing_codes: list[tuple[int, str]],
        missing_titles: list[int] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for index in missing_titles:
            self.fields[f"title_{index}"] = forms.CharField(
                label=_("Registered title of framework %(number)s") % {"number": index + 1},
                max_length=500, required=False,
                help_text=_("The document gives none; a provisional title naming the file "
                            "is used if you leave this empty."),
            )
        for index, title in missing_codes:
            self.fields[f"code_{index}"] = forms.CharField(
                label=_("RNCP code of “%(title)s”") % {"title": title or index + 1},
                max_length=20, required=False,
                help_text=_("The document gives none; for example RNCP35609. "
                            "It can also be completed later on the framework's legal mentions."),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, value in list(cleaned.items()):
            if not name.startswith("code_"):
                continue
            code = code_normalise(value or "")
            if code and not certification_code_is_valid(code):
                self.add_error(name, _("Enter an RNCP or RS code: RNCP or RS followed by "
                                       "digits (for example RNCP35609)."))
            else:
                cleaned[name] = code
        return cleaned

    def codes(self) -> dict[int, str]:
        return self._by_index("code_")

    def titles(self) -> dict[int, str]:
        return self._by_index("title_")

    def _by_index(self, prefix: str) -> dict[int, str]:
        return {
            int(name.removeprefix(prefix)): value
            for name, value in self.cleaned_data.items()
            if name.startswith(prefix) and value
        }


# -- legal mentions and certifier ---------------------------------------------------------
IMAGE_MAX_BYTES = 1024 * 1024
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def _siret(value: str) -> str:
    """Fourteen digits; spaces as people type them are dropped."""
    siret = value.replace(" ", "")
    if siret and not re.fullmatch(r"\d{14}", siret):
        raise forms.ValidationError(_("Fourteen digits."))
    return siret


def _image(upload: Any) -> Any:
    if upload is None:
        return None
    if upload.size > IMAGE_MAX_BYTES:
        raise forms.ValidationError(
            _("The image is too large (%(size)s; at most %(limit)s).")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(IMAGE_MAX_BYTES)})
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(_IMAGE_MAGIC):
        raise forms.ValidationError(_("Only PNG or JPEG images are accepted."))
    return upload


class CertificationMentionsForm(forms.Form):
    """What the documents print about the certification (DESIGN.md §6)."""

    code = forms.CharField(label=_("RNCP code"), max_length=20, required=False,
                           help_text=_("For example RNCP35609."))
    title = forms.CharField(label=_("Registered title"), max_length=500,
                            widget=forms.TextInput(attrs={"size": 80}))
    level = forms.IntegerField(label=_("Qualification level"), min_value=1, max_value=8,
                               required=False)
    eqf_level = forms.IntegerField(label=_("Level in the European framework (EQF)"),
                                   min_value=1, max_value=8, required=False)
    nsf_codes = forms.CharField(
        label=_("NSF codes (field of training)"), max_length=200, required=False,
        help_text=_("Separated by commas, for example 326, 326n."))
    registration_date = forms.DateField(
        label=_("Date of the RNCP registration decision"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    registration_end_date = forms.DateField(
        label=_("End of registration"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    last_issuing_date = forms.DateField(
        label=_("Last issuing date"), required=False,
        help_text=_("No certificate is issued after this date without an explicit override."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    certifier_name = forms.CharField(label=_("Certifier legal name"), max_length=300,
                                     required=False)
    certifier_siret = forms.CharField(label=_("Certifier SIRET"), max_length=14,
                                      required=False)
    cdc_client_id = forms.CharField(
        label=_("Caisse des Dépôts client id (idClient)"), max_length=8, min_length=8,
        required=False,
        help_text=_("Given by the Caisse des Dépôts when the certifier registers for the "
                    "accrochage: eight characters, e.g. 03ABC123."))
    cdc_contract_id = forms.CharField(
        label=_("Caisse des Dépôts contract id (idContrat)"), max_length=20, required=False,
        help_text=_("For example MCFCER000123. The holders file needs both ids."))

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if code and not re.fullmatch(r"(RNCP|RS)\d{1,6}", code):
            raise forms.ValidationError(_("A code such as RNCP35609 or RS5678."))
        return code

    def clean_nsf_codes(self) -> list[str]:
        codes = [c.strip() for c in self.cleaned_data["nsf_codes"].split(",") if c.strip()]
        for code in codes:
            if not re.fullmatch(r"\d{3}[a-z]?", code):
                raise forms.ValidationError(
                    _("“%(code)s” is not an NSF code (three digits, then a letter or not).")
                    % {"code": code})
        return codes

    def clean_certifier_siret(self) -> str:
        return _siret(self.cleaned_data["certifier_siret"])

    def clean_cdc_client_id(self) -> str:
        value = self.cleaned_data["cdc_client_id"].strip().upper()
        if value and not re.fullmatch(r"\S{8}", value):
            raise forms.ValidationError(_("Eight characters, e.g. 03ABC123."))
        return value

    def clean_cdc_contract_id(self) -> str:
        return self.cleaned_data["cdc_contract_id"].strip().upper()


class CertifierForm(forms.Form):
    """Who signs the certifier's documents, and its images."""

    representative_name = forms.CharField(label=_("Legal representative"), max_length=200,
                                          help_text=_("The person who signs the documents."))
    representative_quality = forms.CharField(
        label=_("Quality"), max_length=200, help_text=_("For example Director general."))
    siret = forms.CharField(label=_("SIRET"), max_length=14, required=False)
    signature = forms.FileField(
        label=_("Signature image (PNG or JPEG, optional)"), required=False,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg"], message=WRONG_TYPE)])
    logo = forms.FileField(
        label=_("Logo (PNG or JPEG, optional)"), required=False,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg"], message=WRONG_TYPE)])

    def clean_siret(self) -> str:
        return _siret(self.cleaned_data["siret"])

    def clean_signature(self) -> Any:
        return _image(self.cleaned_data.get("signature"))

    def clean_logo(self) -> Any:
        return _image(self.cleaned_data.get("logo"))


# -- partners -----------------------------------------------------------------------------
class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def _partner_date(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=_DateInput(),
                           input_formats=["%Y-%m-%d", "%d/%m/%Y"], **kwargs)


class PartnerForm(forms.Form):
    """An organisation habilitated to prepare for the certification or organise it."""

    legal_name = forms.CharField(label=_("Legal name"), max_length=300)
    siret = forms.CharField(
        label=_("SIRET"), max_length=20,
        help_text=_("Fourteen digits, for example 784 713 935 00038."))
    kind = forms.ChoiceField(label=_("Habilitated"), widget=forms.RadioSelect,
                             choices=PartnerKind.choices)
    starts_on = _partner_date(_("Habilitated from"))
    ends_on = _partner_date(_("Habilitated until"), help_text=_("Empty: no end date is known."))
    active = forms.BooleanField(
        label=_("Active"), required=False, initial=True,
        help_text=_("An inactive partner keeps its sessions but no new session is opened "
                    "for it."))

    def clean_siret(self) -> str:
        siret = siret_normalise(self.cleaned_data["siret"])
        if not siret_is_valid(siret):
            raise forms.ValidationError(
                _("Enter the fourteen digits of the SIRET, whose last digit is its check key "
                  "(for example 78471393500038)."))
        return siret

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The habilitation cannot end before it starts."))
        return cleaned
