"""The import preview as an editor (DESIGN.md §4.1): the whole tree of each draft, every
item with an « Edit » link opening a small form in place (htmx), or on its own page
without JavaScript. Saving applies ``draft_edit`` operations to the pending import
(``referentiel_import_edit``): the correction is kept with the upload, validated, and
the diff against the current version recomputed. With htmx a form is also checked as it is
typed (``validate=1``: the operations on a copy, nothing saved, only the error regions
swapped). Compétences move up and down with plain POST buttons. Views stay thin."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import administrator_required
from certifications.forms import ImportConfirmForm
from certifications.forms_editor import (
    KIND_LABELS,
    ActivityForm,
    BlocForm,
    CertificationForm,
    CompetenceForm,
    CriterionForm,
    EditorForm,
    ModalityForm,
    RulesForm,
    ScaleForm,
)
from certifications.importers.draft import (
    ActivityDraft,
    BlocDraft,
    CompetenceDraft,
    CriterionDraft,
    ModalityDraft,
    ReferentielDraft,
)
from certifications.models import ReferentielImport, RuleSet, Scale
from certifications.selectors import referentiel_import_drafts, referentiel_import_get_for_user
from certifications.services.draft_edit import RULE_FIELDS, SCALE_AS_DOCUMENT, check_patch
from certifications.services.staging import (
    DraftNotFoundError,
    ReferentielImportNotPendingError,
    referentiel_import_edit,
    scale_report,
)

COUNT_LABELS = {
    "blocs": gettext_lazy("skills blocks"),
    "activities": gettext_lazy("activities"),
    "competences": gettext_lazy("competences"),
    "criteria": gettext_lazy("assessment criteria"),
    "modalities": gettext_lazy("assessment methods"),
}
DIFF_LABELS = {
    "blocs": gettext_lazy("Skills blocks"),
    "competences": gettext_lazy("Competences"),
    "criteria": gettext_lazy("Assessment criteria"),
    "modalities": gettext_lazy("Assessment methods"),
}
KINDS = ("certification", "bloc", "activity", "competence", "criterion", "modality", "scale",
         "rules")
ADDABLE = ("bloc", "activity", "competence", "criterion", "modality")
REMOVABLE = ("bloc", "activity", "competence", "criterion", "modality")


def anchor(index: int, kind: str, ref: str = "", position: int | None = None) -> str:
    """A stable HTML id for an item: from its ref (refs may hold any character)."""
    if not ref:
        return f"d{index}-{kind}"
    safe = re.sub(r"[^A-Za-z0-9_-]", "", ref)[:30]
    digest = hashlib.sha256(ref.encode()).hexdigest()[:6]
    suffix = f"-k{position}" if position is not None else ""
    return f"d{index}-{kind}-{safe}-{digest}{suffix}"


# -- what the page shows -----------------------------------------------------------------
@dataclass
class Item:
    """One editable item: what it is, where it is on the page, and its links."""

    kind: str
    anchor: str
    edit_url: str
    remove_url: str = ""


@dataclass
class CompetenceRow:
    competence: CompetenceDraft
    item: Item
    move_url: str = ""
    # The position (move_competence) that moves it before the previous compétence of its
    # group, or after the next one; None at the top or the bottom of the group.
    up: int | None = None
    down: int | None = None


@dataclass
class ActivityGroup:
    activity: ActivityDraft | None
    item: Item | None = None
    competences: list[CompetenceRow] = field(default_factory=list)


@dataclass
class CriterionRow:
    criterion: CriterionDraft
    item: Item
    competences: list[str]
    modality: str


@dataclass
class BlocOutline:
    bloc: BlocDraft
    item: Item
    groups: list[ActivityGroup]
    criteria: list[CriterionRow]
    add_competence_url: str
    add_criterion_url: str
    add_activity_url: str


@dataclass
class ModalityOutline:
    modality: ModalityDraft
    item: Item
    kind: str
    competences: list[str]
    blocs: list[str]


@dataclass
class ScaleOption:
    value: str
    name: str
    levels: list[str]
    checked: bool


@dataclass
class DraftEditor:
    index: int
    draft: ReferentielDraft
    report: dict[str, Any]
    counts: list[tuple[str, int]]
    certification: Item
    blocs: list[BlocOutline]
    modalities: list[ModalityOutline]
    diff: list[tuple[str, dict[str, list[dict[str, str]]]]]
    errors: list[dict[str, str]]
    warnings: list[dict[str, str]]
    scale_options: list[ScaleOption]
    scale_url: str
    rules_form: RulesForm
    rules_url: str
    add_bloc_url: str
    add_modality_url: str
    focus: str = ""  # the anchor of the item just saved: its Edit link takes the focus
    status: str = ""  # said by the live region after a save
    code_field: Any = None
    title_field: Any = None

    @property
    def tree_anchor(self) -> str:
        return f"d{self.index}-tree"


def _url(row: ReferentielImport, index: int, action: str, kind: str, ref: str = "",
         position: int | None = None) -> str:
    url = reverse(f"certifications:import_draft_{action}", kwargs={
        "public_id": row.public_id, "index": index, "kind": kind})
    query = []
    if ref:
        query.append(("ref", ref))
    if position is not None:
        query.append(("position", str(position)))
    if query:
        url += "?" + urlencode(query)
    return url


def _short(text: str) -> str:
    return Truncator(text).chars(60)


class _Builder:
    def __init__(self, row: ReferentielImport, index: int, draft: ReferentielDraft) -> None:
        self.row, self.index, self.draft = row, index, draft
        self.labels = {c.ref: c.code or _short(c.title) for c in draft.competences()}
        self.bloc_labels = {b.ref: b.code or _short(b.title) for b in draft.blocs}
        self.modality_labels = {m.ref: m.code or _short(m.title) for m in draft.modalities}

    def item(self, kind: str, ref: str = "", position: int | None = None, *,
             removable: bool = True) -> Item:
        return Item(
            kind=kind,
            anchor=anchor(self.index, kind, ref, position),
            edit_url=_url(self.row, self.index, "edit", kind, ref, position),
            remove_url=(_url(self.row, self.index, "remove", kind, ref, position)
                        if removable and kind in REMOVABLE else ""),
        )

    def bloc(self, bloc: BlocDraft) -> BlocOutline:
        groups = [ActivityGroup(a, self.item("activity", a.ref)) for a in bloc.activities]
        by_ref = {group.activity.ref: group for group in groups if group.activity}
        loose = ActivityGroup(None)
        for competence in bloc.competences:
            by_ref.get(competence.activity_ref or "", loose).competences.append(CompetenceRow(
                competence, self.item("competence", competence.ref),
                _url(self.row, self.index, "move", "competence", competence.ref)))
        if loose.competences:
            groups.append(loose)
        # « Move up » / « Move down » within the group the page shows it in.
        position = {id(c): i for i, c in enumerate(bloc.competences)}
        for group in groups:
            rows = group.competences
            for i, row in enumerate(rows):
                row.up = position[id(rows[i - 1].competence)] if i > 0 else None
                row.down = (position[id(rows[i + 1].competence)] if i + 1 < len(rows)
                            else None)
        criteria = [
            CriterionRow(
                criterion=criterion,
                item=self.item("criterion", bloc.ref, position),
                competences=[self.labels.get(ref, ref) for ref in criterion.competence_refs],
                modality=self.modality_labels.get(criterion.modality_ref or "", ""),
            )
            for position, criterion in enumerate(bloc.criteria)
        ]
        return BlocOutline(
            bloc=bloc,
            item=self.item("bloc", bloc.ref, removable=len(self.draft.blocs) > 1),
            groups=groups,
            criteria=criteria,
            add_competence_url=_url(self.row, self.index, "add", "competence", bloc.ref),
            add_criterion_url=_url(self.row, self.index, "add", "criterion", bloc.ref),
            add_activity_url=_url(self.row, self.index, "add", "activity", bloc.ref),
        )

    def modality(self, modality: ModalityDraft) -> ModalityOutline:
        return ModalityOutline(
            modality=modality,
            item=self.item("modality", modality.ref),
            kind=str(KIND_LABELS.get(modality.kind, modality.kind)),
            competences=[self.labels.get(ref, ref) for ref in modality.competence_refs],
            blocs=[self.bloc_labels.get(ref, ref) for ref in modality.bloc_refs],
        )

    def issue(self, issue: dict[str, str]) -> dict[str, str]:
        """The issue with a link to the item it is about, when its location names one."""
        location = issue.get("location", "")
        shown = _LOCATION_WORDS.get(location.strip().lower())
        return {**issue, "location": str(shown) if shown else location,
                "href": "#" + self._issue_anchor(location)}

    def _issue_anchor(self, location: str) -> str:
        words = location.strip()
        lowered = words.lower()
        if lowered.startswith(("scale", "échelle")):
            return anchor(self.index, "scale")
        if lowered.startswith(("rules", "règles")):
            return anchor(self.index, "rules")
        # Issue locations are written in the uploader's language: French or English words.
        if name := _after(words, ("bloc ", "block ")):
            for bloc in self.draft.blocs:
                if name in (bloc.code, bloc.title[:40]):
                    return anchor(self.index, "bloc", bloc.ref)
        if name := _after(words, ("modalité ", "assessment method ")):
            for modality in self.draft.modalities:
                if name in (modality.code, modality.title[:40]):
                    return anchor(self.index, "modality", modality.ref)
        if lowered.startswith("certification"):
            return anchor(self.index, "certification")
        return f"d{self.index}-tree"


def _after(location: str, prefixes: tuple[str, ...]) -> str:
    """What follows the first of ``prefixes`` that starts the location, else ''."""
    lowered = location.lower()
    for prefix in prefixes:
        if lowered.startswith(prefix):
            return location[len(prefix):]
    return ""


# Issue locations that name a part of the draft rather than a line of the file.
_LOCATION_WORDS = {
    "scale": gettext_lazy("scale"),
    "rules": gettext_lazy("rules"),
    "certification": gettext_lazy("certification"),
}


def _scale_options(draft: ReferentielDraft, scales: list[Scale]) -> list[ScaleOption]:
    options = []
    if draft.scale is not None:
        options.append(ScaleOption(
            SCALE_AS_DOCUMENT, _("The document's scale: %(name)s") % {"name": draft.scale.name},
            [lv.label for lv in sorted(draft.scale.levels, key=lambda lv: lv.number)],
            not draft.scale_code,
        ))
    for scale in scales:
        is_default = scale.code == Scale.DEFAULT_CODE
        checked = draft.scale_code == scale.code or (
            is_default and not draft.scale_code and draft.scale is None)
        options.append(ScaleOption(
            scale.code,
            _("%(name)s (default)") % {"name": scale.name} if is_default and (
                "défaut" not in scale.name and "default" not in scale.name) else scale.name,
            [lv.label for lv in scale.levels.all()],
            checked,
        ))
    options.sort(key=lambda o: (o.value != SCALE_AS_DOCUMENT, o.value != Scale.DEFAULT_CODE))
    return options


def _scales() -> list[Scale]:
    return list(Scale.objects.prefetch_related("levels").order_by("name"))


def _rules_initial(draft: ReferentielDraft, current: RuleSet | None) -> dict[str, Any]:
    base = {name: getattr(current, name) if current else RuleSet._meta.get_field(name)
            .get_default() for name in RULE_FIELDS}
    return {**base, **draft.rules}


def draft_editor(
    row: ReferentielImport, index: int, draft: ReferentielDraft, report: dict[str, Any], *,
    scales: list[Scale], rules: dict[str, RuleSet],
) -> DraftEditor:
    build = _Builder(row, index, draft)
    if "scale" not in report:  # a report written before the editor, or by another path
        report = {**report, "scale": scale_report(draft)}
    changes = report["diff"]["changes"] or {}
    return DraftEditor(
        index=index,
        draft=draft,
        report=report,
        counts=[(COUNT_LABELS[key], value) for key, value in report["counts"].items()],
        certification=build.item("certification"),
        blocs=[build.bloc(bloc) for bloc in draft.blocs],
        modalities=[build.modality(m) for m in draft.modalities],
        diff=[(DIFF_LABELS[key], changes[key]) for key in DIFF_LABELS if key in changes],
        errors=[build.issue(i) for i in report["errors"]],
        warnings=[build.issue(i) for i in report["warnings"]],
        scale_options=_scale_options(draft, scales),
        scale_url=_url(row, index, "edit", "scale"),
        rules_form=RulesForm(
            draft=draft, initial=_rules_initial(draft, rules.get(draft.certification.code)),
            prefix=f"d{index}-rules", auto_id=anchor(index, "rules") + "-%s",
        ),
        rules_url=_url(row, index, "edit", "rules"),
        add_bloc_url=_url(row, index, "add", "bloc"),
        add_modality_url=_url(row, index, "add", "modality"),
    )


def _current_rules(drafts: list[ReferentielDraft]) -> dict[str, RuleSet]:
    codes = [d.certification.code for d in drafts if d.certification.code]
    return {r.certification.code: r for r in RuleSet.objects.filter(
        certification__code__in=codes).select_related("certification")} if codes else {}


def draft_editors(row: ReferentielImport) -> list[DraftEditor]:
    drafts = referentiel_import_drafts(referentiel_import=row)
    scales, rules = _scales(), _current_rules(drafts)
    return [
        draft_editor(row, i, draft, report, scales=scales, rules=rules)
        for i, (draft, report) in enumerate(zip(drafts, row.report["drafts"], strict=True))
    ]


def confirm_form(row: ReferentielImport, editors: list[DraftEditor],
                 data: Any = None) -> ImportConfirmForm:
    """The RNCP code and title still missing, to type at confirmation (or in the editor)."""
    return ImportConfirmForm(
        data,
        missing_codes=[(e.index, e.report["title"]) for e in editors if not e.report["code"]],
        missing_titles=[e.index for e in editors if not e.draft.certification.title.strip()],
    )




def render_preview(request: HttpRequest, row: ReferentielImport,
                   form: ImportConfirmForm | None = None) -> HttpResponse:
    editors = draft_editors(row)
    form = form or confirm_form(row, editors)
    for editor in editors:
        if f"code_{editor.index}" in form.fields:
            editor.code_field = form[f"code_{editor.index}"]
        if f"title_{editor.index}" in form.fields:
            editor.title_field = form[f"title_{editor.index}"]
    has_errors = any(e.report["errors"] for e in editors)
    return render(request, "certifications/import_preview.html", {
        "import": row,
        "previews": editors,
        "form": form,
        "has_errors": has_errors,
        "can_confirm": row.is_pending and not has_errors,
    })


# -- one item: its form, in place or on its own page ---------------------------------------
@dataclass
class Target:
    """What a request edits: a kind, the item (ref, criterion position) and its page id."""

    kind: str
    ref: str = ""
    position: int | None = None
    bloc: BlocDraft | None = None


def _target(request: HttpRequest, draft: ReferentielDraft, kind: str, adding: bool) -> Target:
    # The item is named in the URL's query (?ref=…&position=…), for GET and POST alike.
    ref = request.GET.get("ref", "")
    raw_position = request.GET.get("position", "")
    if kind == "criterion" and not adding:
        if not raw_position.isdigit():
            raise Http404
        position = int(raw_position)
        bloc = next((b for b in draft.blocs if b.ref == ref), None)
        if bloc is None or position >= len(bloc.criteria):
            raise Http404
        return Target(kind, ref, position, bloc)
    if kind in ("certification", "scale", "rules") or (adding and kind in ("bloc", "modality")):
        return Target(kind)
    if kind == "bloc" or (adding and kind in ("activity", "competence", "criterion")):
        bloc = next((b for b in draft.blocs if b.ref == ref), None)
        if bloc is None:
            raise Http404
        return Target(kind, ref, None, bloc)
    if kind == "competence":
        bloc = next((b for b in draft.blocs if any(c.ref == ref for c in b.competences)), None)
        if bloc is None:
            raise Http404
        return Target(kind, ref, None, bloc)
    if kind == "activity":
        bloc = next((b for b in draft.blocs if any(a.ref == ref for a in b.activities)), None)
        if bloc is None:
            raise Http404
        return Target(kind, ref, None, bloc)
    if kind == "modality" and any(m.ref == ref for m in draft.modalities):
        return Target(kind, ref)
    raise Http404


def _initial(draft: ReferentielDraft, target: Target) -> dict[str, Any]:
    kind, ref = target.kind, target.ref
    if kind == "certification":
        cert = draft.certification
        return {
            "code": cert.code, "title": cert.title,
            "level": str(cert.level or ""), "eqf_level": str(cert.eqf_level or ""),
            "nsf_codes": ", ".join(cert.nsf_codes),
            "certifier": cert.certifiers[0].legal_name if cert.certifiers else "",
            **{name: (getattr(cert, name).isoformat() if getattr(cert, name) else "")
               for name in ("registration_date", "registration_end_date", "last_issuing_date")},
        }
    if kind == "bloc" and target.bloc is not None:
        bloc = target.bloc
        return {"code": bloc.code, "title": bloc.title, "description": bloc.description}
    if kind == "activity" and target.bloc is not None:
        activity = next(a for a in target.bloc.activities if a.ref == ref)
        return {"code": activity.code, "title": activity.title}
    if kind == "competence" and target.bloc is not None:
        competence = next(c for c in target.bloc.competences if c.ref == ref)
        return {"code": competence.code, "title": competence.title,
                "description": competence.description, "bloc": target.bloc.ref,
                "activity": competence.activity_ref or ""}
    if kind == "criterion" and target.bloc is not None and target.position is not None:
        criterion = target.bloc.criteria[target.position]
        return {"text": criterion.text, "competences": criterion.competence_refs,
                "modality": criterion.modality_ref or ""}
    if kind == "modality" and ref:
        modality = next(m for m in draft.modalities if m.ref == ref)
        return {"code": modality.code, "title": modality.title, "kind": modality.kind.value,
                "description": modality.description, "deliverables": modality.deliverables,
                "duration_minutes": modality.duration_minutes or "",
                "duration_text": modality.duration_text, "team": modality.team,
                "competences": modality.competence_refs, "blocs": modality.bloc_refs}
    return {}


def _form(draft: ReferentielDraft, target: Target, data: Any, adding: bool,
          row: ReferentielImport, index: int) -> EditorForm:
    initial = {} if adding else _initial(draft, target)
    # Ids from the element the form replaces: two forms open at once keep distinct ids.
    auto_id = _swap_id(index, target, adding) + "-%s"
    kwargs: dict[str, Any] = {"draft": draft, "initial": initial, "auto_id": auto_id}
    forms_by_kind: dict[str, type[EditorForm]] = {
        "certification": CertificationForm, "bloc": BlocForm, "activity": ActivityForm,
        "criterion": CriterionForm,
        "modality": ModalityForm, "rules": RulesForm,
    }
    if target.kind == "competence":
        kwargs["bloc"] = target.bloc
        if adding:
            kwargs["initial"] = {"bloc": target.bloc.ref if target.bloc else ""}
        return CompetenceForm(data, **kwargs)
    if target.kind == "scale":
        options = _scale_options(draft, _scales())
        kwargs["choices"] = [(o.value, o.name) for o in options]
        kwargs["initial"] = {"scale": next((o.value for o in options if o.checked), "")}
        return ScaleForm(data, prefix=f"d{index}-scale", **kwargs)
    if target.kind == "rules":
        kwargs["initial"] = _rules_initial(draft, _current_rules([draft]).get(
            draft.certification.code))
        return RulesForm(data, prefix=f"d{index}-rules", **kwargs)
    return forms_by_kind[target.kind](data, **kwargs)


def _ops(form: EditorForm, target: Target, adding: bool) -> list[dict[str, Any]]:
    if isinstance(form, (CertificationForm, ScaleForm, RulesForm)):
        return form.ops()
    if isinstance(form, CriterionForm):
        return form.ops(target.ref, None if adding else target.position)
    if isinstance(form, ActivityForm) and target.bloc is not None:
        return form.ops(None if adding else target.ref, target.bloc.ref)
    if isinstance(form, CompetenceForm):
        return form.ops(None if adding else target.ref)
    return form.ops(None if adding else target.ref)  # type: ignore[attr-defined]


def _item_anchor(index: int, target: Target, adding: bool, draft: ReferentielDraft) -> str:
    """Where the page goes back to after a save: the item, or what holds the new one."""
    if adding:
        if target.kind in ("activity", "competence", "criterion"):
            return anchor(index, "bloc", target.ref)
        if target.kind == "bloc" and draft.blocs:
            return anchor(index, "bloc", draft.blocs[-1].ref)
        if target.kind == "modality" and draft.modalities:
            return anchor(index, "modality", draft.modalities[-1].ref)
        return f"d{index}-tree"
    if target.kind == "competence":
        return anchor(index, "competence", target.ref)
    return anchor(index, target.kind, target.ref, target.position)


def _swap_id(index: int, target: Target, adding: bool) -> str:
    """The element the form replaces in place (htmx): the item, a bloc's heading, or the
    placeholder of an « Add » link."""
    if adding:
        return f"d{index}-add-{target.kind}" + (
            f"-{anchor(index, 'bloc', target.ref)}" if target.ref else "")
    if target.kind == "bloc":
        return anchor(index, "bloc", target.ref) + "-head"
    return anchor(index, target.kind, target.ref, target.position)


def _focus_first(form: EditorForm) -> None:
    """The form takes the focus when it opens: its first field, or the first one in error."""
    names = [name for name in form.fields if name in form.errors] or list(form.fields)
    if names:
        form.fields[names[0]].widget.attrs["autofocus"] = True


def _load(request: HttpRequest, public_id: str, index: int
          ) -> tuple[ReferentielImport, ReferentielDraft]:
    try:
        row = referentiel_import_get_for_user(user=request.user, public_id=public_id)
    except ReferentielImport.DoesNotExist:
        raise Http404 from None
    if row.status == ReferentielImport.Status.FAILED:
        raise Http404
    drafts = referentiel_import_drafts(referentiel_import=row)
    if not 0 <= index < len(drafts):
        raise Http404
    return row, drafts[index]


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _not_pending(request: HttpRequest, row: ReferentielImport) -> HttpResponse:
    message = _("This import was already confirmed or cancelled: it can no longer be "
                "corrected.")
    if _is_htmx(request):
        return render(request, "certifications/_editor_conflict.html", {"message": message},
                      status=409)
    messages.error(request, message)
    return redirect("certifications:import_preview", public_id=row.public_id)


def _saved(request: HttpRequest, row: ReferentielImport, index: int, focus: str,
           status: str) -> HttpResponse:
    """After a save: the draft's section again (htmx), or the preview at the item."""
    if not _is_htmx(request):
        messages.success(request, status)
        url = reverse("certifications:import_preview", kwargs={"public_id": row.public_id})
        return redirect(f"{url}#{focus}")
    row.refresh_from_db()
    return _render_section(request, row, draft_editors(row)[index], focus, status)


def _render_section(request: HttpRequest, row: ReferentielImport, editor: DraftEditor,
                    focus: str, status: str) -> HttpResponse:
    editor.focus, editor.status = focus, status
    response = render(request, "certifications/_editor_draft.html", {
        "import": row, "preview": editor, "can_edit": row.is_pending,
    })
    response["HX-Retarget"] = f"#draft-{editor.index}"
    response["HX-Reswap"] = "outerHTML"
    return response


KIND_NAMES = {
    "certification": gettext_lazy("the certification"),
    "bloc": gettext_lazy("a skills block"),
    "activity": gettext_lazy("an activity"),
    "competence": gettext_lazy("a competence"),
    "criterion": gettext_lazy("an assessment criterion"),
    "modality": gettext_lazy("an assessment method"),
    "scale": gettext_lazy("the scale"),
    "rules": gettext_lazy("the rules"),
}


def _edit(request: HttpRequest, public_id: str, index: int, kind: str,
          adding: bool) -> HttpResponse:
    if kind not in (ADDABLE if adding else KINDS):
        raise Http404
    row, draft = _load(request, public_id, index)
    if not row.is_pending:
        return _not_pending(request, row)
    target = _target(request, draft, kind, adding)
    posted = request.method == "POST"
    form = _form(draft, target, request.POST if posted else None, adding, row, index)
    if posted and request.POST.get("validate") == "1":
        return _checked(request, draft, form, target, adding, _swap_id(index, target, adding))
    if posted and form.is_valid():
        try:
            errors = referentiel_import_edit(
                referentiel_import=row, index=index, ops=_ops(form, target, adding),
                edited_by=request.user,
            )
        except ReferentielImportNotPendingError:
            return _not_pending(request, row)
        except DraftNotFoundError:
            raise Http404 from None
        if not errors:
            (draft,) = referentiel_import_drafts(referentiel_import=row)[index:index + 1]
            status = (_("Added.") if adding else _("Saved.")) + " " + _(
                "The checks and the comparison below are up to date.")
            return _saved(request, row, index, _item_anchor(index, target, adding, draft),
                          status)
        for field_errors in errors.values():
            for name, message in field_errors.items():
                form.add_error(name if name in form.fields else None, message)
    _focus_first(form)
    item_anchor = _item_anchor(index, target, adding, draft)
    context = {
        "import": row, "index": index, "form": form, "target": target, "adding": adding,
        "what": KIND_NAMES[kind],
        "action": request.get_full_path(),
        "item_anchor": item_anchor,
        "swap_id": _swap_id(index, target, adding),
        "wrapper": "li" if not adding and kind in ("competence", "criterion", "modality")
        else "div",
        "section_url": reverse("certifications:import_draft_section", kwargs={
            "public_id": row.public_id, "index": index}) + "?" + urlencode(
            {"focus": item_anchor}),
        "preview_url": reverse("certifications:import_preview",
                               kwargs={"public_id": row.public_id}),
        "htmx": _is_htmx(request),
    }
    status = 422 if posted and form.errors else 200
    if _is_htmx(request):
        return render(request, "certifications/_editor_form.html", context, status=status)
    return render(request, "certifications/import_edit_item.html", context, status=status)


def _checked(request: HttpRequest, draft: ReferentielDraft, form: EditorForm, target: Target,
             adding: bool, swap_id: str) -> HttpResponse:
    """The check made as the user types (htmx, ``validate=1``): what was typed so far runs
    as the operations on a copy of the draft, nothing is saved. The answer fills the
    error region of every field (out-of-band swaps): the fields themselves stay as typed."""
    form.is_valid()
    # Even when the form refuses a field, the others are checked against the draft.
    for field_errors in check_patch(draft, _ops(form, target, adding)).values():
        for name, message in field_errors.items():
            if name not in form.fields:
                form.add_error(None, message)
            elif name not in form.errors:
                form.add_error(name, message)
    if adding:
        # A new item's fields not typed in yet are not errors yet (the save says so).
        for name in list(form.errors):
            if name in form.fields and not form.data.get(form.add_prefix(name)):
                del form.errors[name]
    return render(request, "certifications/_editor_live.html", {"form": form,
                                                                 "swap_id": swap_id})


@administrator_required
@require_http_methods(["GET", "POST"])
def import_draft_edit(request: HttpRequest, public_id: str, index: int,
                      kind: str) -> HttpResponse:
    return _edit(request, public_id, index, kind, adding=False)


@administrator_required
@require_http_methods(["GET", "POST"])
def import_draft_add(request: HttpRequest, public_id: str, index: int,
                     kind: str) -> HttpResponse:
    return _edit(request, public_id, index, kind, adding=True)


@administrator_required
@require_POST
def import_draft_remove(request: HttpRequest, public_id: str, index: int,
                        kind: str) -> HttpResponse:
    if kind not in REMOVABLE:
        raise Http404
    row, draft = _load(request, public_id, index)
    if not row.is_pending:
        return _not_pending(request, row)
    target = _target(request, draft, kind, adding=False)
    if kind == "bloc" and not _is_htmx(request) and "confirmed" not in request.POST:
        # Without JavaScript (no confirmation dialog), a bloc goes only once confirmed:
        # it takes its compétences and criteria along.
        bloc = target.bloc
        return render(request, "certifications/import_remove_bloc.html", {
            "import": row, "bloc": bloc, "action": request.get_full_path(),
            "criteria": len(bloc.criteria) if bloc else 0,
            "competences": bloc.competences if bloc else [],
            "back_url": reverse("certifications:import_preview", kwargs={
                "public_id": row.public_id}) + "#" + anchor(index, "bloc", target.ref),
        })
    op: dict[str, Any] = {"op": f"remove_{kind}"}
    if kind == "criterion":
        op.update(bloc=target.ref, index=target.position)
    else:
        op[kind] = target.ref
    try:
        errors = referentiel_import_edit(referentiel_import=row, index=index, ops=[op],
                                         edited_by=request.user)
    except ReferentielImportNotPendingError:
        return _not_pending(request, row)
    if errors:
        message = " ".join(m for e in errors.values() for m in e.values())
        if _is_htmx(request):
            return _saved(request, row, index, f"d{index}-tree", message)
        messages.error(request, message)
        url = reverse("certifications:import_preview", kwargs={"public_id": row.public_id})
        return redirect(f"{url}#{anchor(index, kind, target.ref, target.position)}")
    holder = (anchor(index, "bloc", target.bloc.ref)
              if kind in ("activity", "competence", "criterion") and target.bloc
              else f"d{index}-tree")
    return _saved(request, row, index, holder, _("Removed."))


@administrator_required
@require_POST
def import_draft_move(request: HttpRequest, public_id: str, index: int,
                      kind: str) -> HttpResponse:
    """« Move up » / « Move down » of a compétence within its bloc: ``position`` is where
    ``move_competence`` puts it (the page computes it for each button)."""
    if kind != "competence":
        raise Http404
    row, draft = _load(request, public_id, index)
    if not row.is_pending:
        return _not_pending(request, row)
    target = _target(request, draft, kind, adding=False)
    raw = request.POST.get("position", "")
    if not raw.isdigit() or target.bloc is None:
        raise Http404
    position = int(raw)
    current = next(i for i, c in enumerate(target.bloc.competences) if c.ref == target.ref)
    direction = "up" if position < current else "down"
    op = {"op": "move_competence", "competence": target.ref, "bloc": target.bloc.ref,
          "position": position}
    try:
        errors = referentiel_import_edit(referentiel_import=row, index=index, ops=[op],
                                         edited_by=request.user)
    except ReferentielImportNotPendingError:
        return _not_pending(request, row)
    item = anchor(index, kind, target.ref)
    if errors:
        message = " ".join(m for e in errors.values() for m in e.values())
        if _is_htmx(request):
            return _saved(request, row, index, item, message)
        messages.error(request, message)
        url = reverse("certifications:import_preview", kwargs={"public_id": row.public_id})
        return redirect(f"{url}#{item}")
    # The focus stays on the button pressed, so that it can be pressed again; on the
    # item's « Edit » link once it reached the top or the bottom of its group.
    focus = item
    if _is_htmx(request):
        editor = draft_editors(row)[index]
        for outline in editor.blocs:
            for group in outline.groups:
                for competence_row in group.competences:
                    if competence_row.competence.ref == target.ref and getattr(
                            competence_row, direction) is not None:
                        focus = f"{item}-{direction}"
        return _render_section(request, row, editor, focus, _("Moved."))
    return _saved(request, row, index, focus, _("Moved."))


@require_GET
@administrator_required
def import_draft_section(request: HttpRequest, public_id: str, index: int) -> HttpResponse:
    """One draft's part of the preview (htmx: after « Cancel »); the preview otherwise."""
    row, _draft = _load(request, public_id, index)
    url = reverse("certifications:import_preview", kwargs={"public_id": row.public_id})
    if not _is_htmx(request):
        return redirect(url)
    editor = draft_editors(row)[index]
    editor.focus = request.GET.get("focus", "")
    return render(request, "certifications/_editor_draft.html", {
        "import": row, "preview": editor, "can_edit": row.is_pending,
    })
