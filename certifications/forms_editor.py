"""Forms of the import preview's editor. They render the fields and read what was typed;
the rules are checked by ``certifications.services.draft_edit``, whose field errors are
put back next to the field (the names are the operations' keys)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from certifications.importers.draft import BlocDraft, ReferentielDraft
from certifications.models import RuleSet
from certifications.services.draft_edit import MAX_CODE, MAX_TEXT, MAX_TITLE
from certifications.vocabulary import ModalityKind

KIND_LABELS = {
    ModalityKind.CASE_STUDY: _("Case study"),
    ModalityKind.WORK_SITUATION: _("Work situation"),
    ModalityKind.PROJECT: _("Project"),
    ModalityKind.MONOGRAPH: _("Monograph"),
    ModalityKind.THESIS: _("Professional thesis"),
    ModalityKind.QUIZ: _("Multiple-choice test"),
    ModalityKind.ORAL: _("Oral"),
    ModalityKind.WRITTEN: _("Written test"),
    ModalityKind.PORTFOLIO: _("Portfolio"),
    ModalityKind.OTHER: _("Other"),
}


def _text(label: Any, *, limit: int = MAX_TITLE, required: bool = False,
          help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, max_length=limit, required=required,
                           help_text=help_text, strip=False)


def _area(label: Any, *, required: bool = False, rows: int = 3) -> forms.CharField:
    return forms.CharField(label=label, max_length=MAX_TEXT, required=required, strip=False,
                           widget=forms.Textarea(attrs={"rows": rows}))


def _date(label: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False,
                           widget=forms.DateInput(attrs={"type": "date"}),
                           help_text=_("YYYY-MM-DD"))


def _competence_choices(draft: ReferentielDraft) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (f"{b.code or b.title}"[:80], [
            (c.ref, f"{c.code} — {c.title}"[:140] if c.code else c.title[:140])
            for c in b.competences
        ])
        for b in draft.blocs if b.competences
    ]


def _bloc_label(bloc: BlocDraft) -> str:
    return f"{bloc.code} — {bloc.title}"[:140] if bloc.code else bloc.title[:140]


class EditorForm(forms.Form):
    """A form of the editor; ``ops()`` turns what was typed into the draft operations.

    Each field's errors sit in a region that is always there (``<auto_id>_live``), so
    that the check made as the user types (htmx) can fill or empty it in place."""

    def __init__(self, *args: Any, draft: ReferentielDraft, **kwargs: Any) -> None:
        self.draft = draft
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.template_name = "certifications/forms/editor_field.html"

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.fields}


class CertificationForm(EditorForm):
    code = _text(_("RNCP or RS code"), limit=MAX_CODE,
                 help_text=_("For example RNCP35609."))
    title = _text(_("Registered title"), required=True)
    level = forms.TypedChoiceField(
        label=_("Level"), required=False, coerce=str,
        choices=[("", "—"), *((str(n), str(n)) for n in range(3, 9))],
    )
    eqf_level = forms.TypedChoiceField(
        label=_("EQF level"), required=False, coerce=str,
        choices=[("", "—"), *((str(n), str(n)) for n in range(3, 9))],
    )
    nsf_codes = _text(_("NSF codes"), help_text=_("Separated by commas, e.g. 310, 326n."))
    certifier = _text(_("Certifier (legal name)"), limit=300)
    registration_date = _date(_("Registered on"))
    registration_end_date = _date(_("Registration ends on"))
    last_issuing_date = _date(_("Last issuing date"))

    def ops(self) -> list[dict[str, Any]]:
        return [{"op": "set_certification", **self.values()}]


class BlocForm(EditorForm):
    code = _text(_("Code"), limit=MAX_CODE, help_text=_("For example RNCP35609BC01."))
    title = _area(_("Title"), required=True, rows=2)
    description = _area(_("Description"))

    def ops(self, ref: str | None) -> list[dict[str, Any]]:
        if ref is None:
            return [{"op": "add_bloc", **self.values()}]
        return [{"op": "set_bloc", "bloc": ref, **self.values()}]


class ActivityForm(EditorForm):
    code = _text(_("Code"), limit=MAX_CODE, help_text=_("For example A1."))
    title = _area(_("Title"), rows=2)

    def ops(self, ref: str | None, bloc: str) -> list[dict[str, Any]]:
        if ref is None:
            return [{"op": "add_activity", "bloc": bloc, **self.values()}]
        return [{"op": "set_activity", "activity": ref, **self.values()}]


class CompetenceForm(EditorForm):
    code = _text(_("Code"), limit=MAX_CODE)
    title = _area(_("Wording"), required=True)
    description = _area(_("Description"))
    bloc = forms.ChoiceField(label=_("Skills block"),
                             help_text=_("Choose another block to move the competence."))
    activity = forms.ChoiceField(label=_("Activity"), required=False)

    def __init__(self, *args: Any, bloc: BlocDraft, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bloc = bloc
        self.fields["bloc"].choices = [(b.ref, _bloc_label(b)) for b in self.draft.blocs]
        self.fields["bloc"].initial = bloc.ref
        if bloc.activities:
            self.fields["activity"].choices = [("", _("None (outside any activity)")), *(
                (a.ref, f"{a.code} — {a.title}"[:140] if a.title else a.code)
                for a in bloc.activities)]
            self.fields["activity"].help_text = _(
                "Activities belong to their block: a competence moved to another block "
                "leaves its activity.")
        else:
            del self.fields["activity"]

    def ops(self, ref: str | None) -> list[dict[str, Any]]:
        values = self.values()
        target = values.pop("bloc")
        moved = target != self.bloc.ref
        if moved or "activity" not in values:
            values.pop("activity", None)
        if ref is None:
            return [{"op": "add_competence", "bloc": target, **values}]
        ops = [{"op": "set_competence", "competence": ref, **values}]
        if moved:
            ops.append({"op": "move_competence", "competence": ref, "bloc": target})
        return ops


class CriterionForm(EditorForm):
    text = _area(_("Criterion"), required=True)
    competences = forms.MultipleChoiceField(
        label=_("Competences it assesses"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    modality = forms.ChoiceField(label=_("Assessment method"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competences"].choices = _competence_choices(self.draft)
        self.fields["modality"].choices = [("", "—"), *(
            (m.ref, f"{m.code} — {m.title}"[:140] if m.code else m.title[:140])
            for m in self.draft.modalities)]

    def ops(self, bloc: str, index: int | None) -> list[dict[str, Any]]:
        if index is None:
            return [{"op": "add_criterion", "bloc": bloc, **self.values()}]
        return [{"op": "set_criterion", "bloc": bloc, "index": index, **self.values()}]


class ModalityForm(EditorForm):
    code = _text(_("Code"), limit=MAX_CODE, help_text=_("For example E1."))
    title = _text(_("Title"), required=True)
    kind = forms.ChoiceField(label=_("Kind"), choices=list(KIND_LABELS.items()))
    description = _area(_("What the candidate does"))
    deliverables = _area(_("What the candidate hands in"), rows=2)
    duration_minutes = _text(_("Duration (minutes)"), limit=5)
    duration_text = _text(_("Duration as written"),
                          help_text=_("For example: 20 min presentation + 10 min questions."))
    team = forms.BooleanField(label=_("Team assessment (each candidate is scored)"),
                              required=False)
    competences = forms.MultipleChoiceField(
        label=_("Competences evaluated"), required=False, widget=forms.CheckboxSelectMultiple,
    )
    blocs = forms.MultipleChoiceField(
        label=_("Blocks assessed"), required=False, widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competences"].choices = _competence_choices(self.draft)
        self.fields["blocs"].choices = [(b.ref, _bloc_label(b)) for b in self.draft.blocs]

    def ops(self, ref: str | None) -> list[dict[str, Any]]:
        if ref is None:
            return [{"op": "add_modality", **self.values()}]
        return [{"op": "set_modality", "modality": ref, **self.values()}]


class ScaleForm(EditorForm):
    scale = forms.ChoiceField(label=_("Scale"), widget=forms.RadioSelect, required=False)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scale"].choices = choices

    def ops(self) -> list[dict[str, Any]]:
        return [{"op": "set_scale", "scale": self.cleaned_data.get("scale")}]


def _rule_field(name: str) -> forms.Field:
    model_field = RuleSet._meta.get_field(name)
    label = capfirst(model_field.verbose_name)
    if isinstance(model_field.default, bool):
        return forms.BooleanField(label=label, required=False)
    return forms.CharField(label=label, required=False, max_length=6,
                           help_text=model_field.help_text)


class RulesForm(EditorForm):
    bloc_validity_months = _rule_field("bloc_validity_months")
    divergence_threshold = _rule_field("divergence_threshold")
    quorum_min_members = _rule_field("quorum_min_members")
    president_required = _rule_field("president_required")
    external_professional_share = _rule_field("external_professional_share")
    warn_on_single_gender = _rule_field("warn_on_single_gender")

    def ops(self) -> list[dict[str, Any]]:
        return [{"op": "set_rules", **self.values()}]
