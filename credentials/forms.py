from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

#: A credential is a few kilobytes; anything larger is not one of ours.
CREDENTIAL_FILE_MAX_BYTES = 256_000


class VerifyCredentialForm(forms.Form):
    """A credential pasted or uploaded, and optionally the address of its holder."""

    credential = forms.CharField(
        label=_("Credential"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Paste the credential: the content of the JSON file the holder "
                    "downloaded, or the text starting with “ey”."))
    file = forms.FileField(
        label=_("Or the credential's file"), required=False,
        help_text=_("The .json file the holder downloaded (at most 250 KB), read to check "
                    "it, never kept."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/json,.json,.jwt"}))
    email = forms.EmailField(
        label=_("Holder's e-mail address (optional)"), required=False,
        help_text=_("To check that the credential was issued to this person: the "
                    "credential carries only a fingerprint of the address."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, label_suffix="", **kwargs)

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload and upload.size > CREDENTIAL_FILE_MAX_BYTES:
            raise forms.ValidationError(_("This file is larger than 250 KB: it cannot be one "
                                          "of our credentials."), code="size")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload = data.get("file")
        text = data.get("credential", "")
        if upload:
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("file", _("This file is not a credential (it is not text)."))
                return data
        if not text.strip() and not self.has_error("file"):
            self.add_error("credential", _("Paste a credential or choose its file."))
        data["text"] = text
        return data
