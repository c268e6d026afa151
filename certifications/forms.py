"""Forms of the référentiel import wizard. They check input; services hold the rules."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from certifications.services import RNCP_CODE_PATTERN

FORMAT_LABELS = {
    "auto": _("Detect from the file"),
    "document": _("Framework document (text)"),
    "rncp-xml": _("France Compétences XML export"),
    "spreadsheet": _("Spreadsheet (CSV or XLSX template)"),
    "json": _("Framework JSON (this application's export)"),
}


# The extensions of the formats the import reads (certifications.importers); the content
# is checked again by the parser, and the size by the service (IMPORT_MAX_UPLOAD_SIZE).
IMPORT_EXTENSIONS = ["txt", "md", "tsv", "xml", "csv", "xlsx", "json"]
WRONG_TYPE = _("The file type “%(extension)s” is not accepted here. Accepted types: "
               "%(allowed_extensions)s.")


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("File"), validators=[
        FileExtensionValidator(IMPORT_EXTENSIONS, message=WRONG_TYPE)])
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
            "Framework document, XML export, CSV or XLSX spreadsheet, or JSON; "
            "at most %(size)s."
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
                            "It can also be completed later in the administration."),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, value in list(cleaned.items()):
            if not name.startswith("code_"):
                continue
            code = re.sub(r"\s+", "", value or "").upper()
            if code and not re.fullmatch(RNCP_CODE_PATTERN, code):
                self.add_error(name, _("Enter an RNCP code: RNCP followed by digits."))
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
