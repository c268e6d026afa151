"""The public verification form: one field, the code as printed on a document."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reports.models import CODE_LENGTH, verification_code_is_wellformed, verification_code_normalize


class VerifyForm(forms.Form):
    """A code typed or copied: spaces, dashes and the case do not matter."""

    code = forms.CharField(
        label=_("Verification code"), max_length=40, strip=True,
        help_text=_("The 12 characters printed at the bottom of the document (spaces, "
                    "dashes and case do not matter)."),
        error_messages={"required": _("Type the verification code printed on the "
                                      "document.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false", "size": 20}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, label_suffix="", **kwargs)

    def clean_code(self) -> str:
        code = verification_code_normalize(self.cleaned_data["code"])
        if not verification_code_is_wellformed(code):
            raise forms.ValidationError(
                _("A verification code has %(length)s characters: letters and digits from "
                  "2 to 9 (never I, L, O, 0 or 1). Check it against the document.")
                % {"length": CODE_LENGTH}, code="malformed")
        return code


VERIFY_FILE_MAX_BYTES = 2_500_000
# A request carrying such a file is a little larger (the multipart boundaries, the token).
VERIFY_REQUEST_MAX_BYTES = VERIFY_FILE_MAX_BYTES + 10_000


class VerifyUploadHandler(MemoryFileUploadHandler):
    """The uploaded PDF read in memory only, never written to a temporary file: up to
    ``VERIFY_REQUEST_MAX_BYTES`` (Django's own handler stops at FILE_UPLOAD_MAX_MEMORY_SIZE,
    2 MiB, and a larger file would be dropped as if none had been sent)."""

    def handle_raw_input(self, input_data: Any, META: Any, content_length: int,  # noqa: N803
                         boundary: Any, encoding: str | None = None) -> None:
        self.activated = content_length <= VERIFY_REQUEST_MAX_BYTES


class VerifyFileForm(forms.Form):
    """A PDF received by e-mail or downloaded: read in memory, checked, never kept."""

    file = forms.FileField(
        label=_("PDF file"),
        help_text=_("A transcript, attestation or certificate as a PDF file, at most 2.5 MB. "
                    "It is read to check it, never kept."),
        error_messages={"required": _("Choose the PDF file to check (at most 2.5 MB).")},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, label_suffix="", **kwargs)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > VERIFY_FILE_MAX_BYTES:
            raise forms.ValidationError(_("This file is larger than 2.5 MB: it cannot be one "
                                          "of our documents."), code="size")
        return upload


class PromotionsField(forms.MultipleChoiceField):
    """The years offered are those with a signature; any year or range of days typed in
    the address is taken too (``promotions_parse`` says what is wrong with it)."""

    def valid_value(self, value: str) -> bool:
        return True


class RenewalForm(forms.Form):
    """The promotions of the renewal file: years of signature ticked, and a period of
    one's choice (both days) added to them."""

    promotion = PromotionsField(
        label=_("Years"), required=False, widget=forms.CheckboxSelectMultiple)
    start = forms.DateField(label=pgettext_lazy("period", "from"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=pgettext_lazy("period", "to"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["promotion"].choices = [(str(year), str(year)) for year in years]

    def clean(self) -> dict[str, Any]:
        from reports.renewal.selectors import Promotion, promotions_parse

        data = super().clean()
        keys = list(data.get("promotion") or [])
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None) or (start and end and start > end):
            self.add_error("start", _("Give both days of the period, the first before the "
                                      "second."))
            return data
        if start and end:
            keys.append(Promotion(start, end).key)
        try:
            data["promotions"] = promotions_parse(keys)
        except ValueError as wrong:
            raise forms.ValidationError(str(wrong)) from None
        return data
