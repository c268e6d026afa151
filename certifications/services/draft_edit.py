"""Corrections of a référentiel draft before it is saved (DESIGN.md §4.1, the preview editor).

A correction is an *operation*: a dict ``{"op": "set_competence", "competence": "C1",
"title": "…"}``. The same operations come from the preview's forms, from htmx, from the
API (``PATCH /api/v1/imports/<id>/drafts/<index>/``) and from the command
(``import_referentiel --patch``), so every import goes through one pipeline.

Each operation is validated before it changes anything: ``apply_op`` returns the field
errors (field → message, in the user's language) and leaves the draft as it was when
there are any. ``apply_patch`` applies a list all-or-nothing.

Items are named by their ``ref``, which never changes (a new item gets a generated one,
or the ``ref`` the caller gives); a criterion, which has no ref, by its bloc and its
position in the bloc (``index``, from 0). A set_* operation changes only the fields it
carries.

Decisions:
- ``remove_bloc`` removes the bloc with its content (activities, compétences, criteria)
  and drops the references to them elsewhere; the preview's diff shows what goes.
- ``remove_competence`` unlinks it from every criterion and modality; a criterion left
  without any compétence stays (the preview lists it under its bloc).
- ``move_competence`` to another bloc leaves its activity (activities belong to a bloc)
  and takes along the criteria that evaluate it alone.
- ``remove_activity`` keeps the activity's compétences in their bloc, outside any activity.
- ``check_patch`` runs operations on a copy only: the editor's check as the user types.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from certifications.codes import (
    bloc_code_example,
    bloc_code_is_valid,
    certification_code_is_valid,
    code_normalise,
)
from certifications.importers.draft import (
    ActivityDraft,
    BlocDraft,
    CertifierDraft,
    CompetenceDraft,
    CriterionDraft,
    Issue,
    ModalityDraft,
    ReferentielDraft,
    Severity,
)
from certifications.models import Scale
from certifications.vocabulary import ModalityKind

Errors = dict[str, str]
Op = dict[str, Any]

# The certification's RuleSet fields a draft may carry (certifications.models.RuleSet).
RULE_FIELDS = (
    "bloc_validity_months",
    "divergence_threshold",
    "quorum_min_members",
    "president_required",
    "external_professional_share",
    "warn_on_single_gender",
)
SCALE_AS_DOCUMENT = ""  # draft.scale_code: the document's scale, or the default one
MAX_TEXT = 2000
MAX_TITLE = 500
MAX_CODE = 40


class _InvalidValueError(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


# -- reading values as forms (strings) and JSON (typed) send them -------------------------
def _text(value: Any, *, limit: int = MAX_TITLE) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _InvalidValueError(_("Enter text."))
    value = value.strip()
    if len(value) > limit:
        raise _InvalidValueError(_("At most %(limit)d characters.") % {"limit": limit})
    return value


def _one_line(value: Any, *, limit: int = MAX_TITLE) -> str:
    return " ".join(_text(value, limit=limit).split())


def _integer(value: Any, *, low: int | None = None, high: int | None = None) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _InvalidValueError(_("Enter a whole number."))
    if isinstance(value, str):
        if not re.fullmatch(r"\s*\d+\s*", value):
            raise _InvalidValueError(_("Enter a whole number."))
        value = int(value)
    if not isinstance(value, int):
        raise _InvalidValueError(_("Enter a whole number."))
    if (low is not None and value < low) or (high is not None and value > high):
        raise _InvalidValueError(_("Enter a number from %(low)d to %(high)d.")
                       % {"low": low if low is not None else 0, "high": high or value})
    return value


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, ""):
        return False
    if isinstance(value, str) and value.lower() in ("on", "true", "1", "yes"):
        return True
    if isinstance(value, str) and value.lower() in ("off", "false", "0", "no"):
        return False
    raise _InvalidValueError(_("Enter true or false."))


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _InvalidValueError(_("Enter a date as YYYY-MM-DD."))


def _words(value: Any) -> list[str]:
    """A list, or text separated by commas, spaces or lines (codes as people type them)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,;]+", value) if part]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    raise _InvalidValueError(_("Enter a list of codes."))


def _refs(value: Any, known: list[str]) -> list[str]:
    refs = list(dict.fromkeys(_words(value)))
    unknown = [ref for ref in refs if ref not in known]
    if unknown:
        raise _InvalidValueError(_("Unknown: %(refs)s.") % {"refs": ", ".join(unknown[:5])})
    return refs


def _read(op: Op, errors: Errors, name: str, reader: Callable[[Any], Any]) -> Any:
    """The op's value for ``name`` read by ``reader``; errors noted under ``name``."""
    try:
        return reader(op[name])
    except _InvalidValueError as exc:
        errors[name] = exc.message
        return None


# -- finding items ---------------------------------------------------------------------
def _bloc(draft: ReferentielDraft, ref: Any) -> BlocDraft | None:
    return next((b for b in draft.blocs if b.ref == ref), None)


def _competence(draft: ReferentielDraft, ref: Any) -> tuple[BlocDraft, CompetenceDraft] | None:
    for bloc in draft.blocs:
        for competence in bloc.competences:
            if competence.ref == ref:
                return bloc, competence
    return None


def _activity(draft: ReferentielDraft, ref: Any) -> tuple[BlocDraft, ActivityDraft] | None:
    for bloc in draft.blocs:
        for activity in bloc.activities:
            if activity.ref == ref:
                return bloc, activity
    return None


def _modality(draft: ReferentielDraft, ref: Any) -> ModalityDraft | None:
    return next((m for m in draft.modalities if m.ref == ref), None)


def _criterion(draft: ReferentielDraft, op: Op, errors: Errors) -> tuple[BlocDraft, int] | None:
    bloc = _bloc(draft, op.get("bloc"))
    if bloc is None:
        errors["bloc"] = _("No such block in this framework.")
        return None
    index = op.get("index")
    if isinstance(index, str) and index.isdigit():
        index = int(index)
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(
        bloc.criteria
    ):
        errors["index"] = _("No such criterion in this block.")
        return None
    return bloc, index


def all_refs(draft: ReferentielDraft) -> set[str]:
    return {
        *(b.ref for b in draft.blocs),
        *(a.ref for a in draft.activities()),
        *(c.ref for c in draft.competences()),
        *(m.ref for m in draft.modalities),
    }


def _new_ref(draft: ReferentielDraft, op: Op, errors: Errors, prefix: str) -> str:
    """The ref the caller chose (it must be free), or a generated one."""
    taken = all_refs(draft)
    wanted = op.get("ref")
    if wanted not in (None, ""):
        if not isinstance(wanted, str) or not re.fullmatch(r"[\w.#-]{1,60}", wanted):
            errors["ref"] = _("A reference is made of letters, digits, dots and dashes.")
        elif wanted in taken:
            errors["ref"] = _("This reference is already used in this framework.")
        return wanted if isinstance(wanted, str) else ""
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def _check_bloc_code(draft: ReferentielDraft, code: str, errors: Errors,
                     bloc: BlocDraft | None = None) -> None:
    if not code:
        return
    cert_code = draft.certification.code
    if not bloc_code_is_valid(code, certification_code=cert_code):
        errors["code"] = _("“%(code)s” is not a block code: the certification's code, BC and "
                           "digits (for example %(example)s).") % {
            "code": code[:40], "example": bloc_code_example(cert_code)}
    elif any(b.code == code for b in draft.blocs if b is not bloc):
        errors["code"] = _("Another block has this code.")


def _check_competence_code(draft: ReferentielDraft, code: str, errors: Errors,
                           competence: CompetenceDraft | None = None) -> None:
    if code and any(c.code == code for c in draft.competences() if c is not competence):
        errors["code"] = _("Another competence has this code.")


def _check_modality_code(draft: ReferentielDraft, code: str, errors: Errors,
                         modality: ModalityDraft | None = None) -> None:
    if code and any(m.code == code for m in draft.modalities if m is not modality):
        errors["code"] = _("Another assessment method has this code.")


def _required(errors: Errors, name: str, value: str) -> None:
    if name not in errors and not value:
        errors[name] = _("This field is required.")


# -- the operations --------------------------------------------------------------------
CERTIFICATION_FIELDS = (
    "code", "title", "level", "eqf_level", "nsf_codes", "certifier", "registration_date",
    "registration_end_date", "last_issuing_date",
)


def set_certification(draft: ReferentielDraft, op: Op) -> Errors:
    errors: Errors = {}
    values: dict[str, Any] = {}
    if "code" in op:
        code = code_normalise(_read(op, errors, "code", _text) or "")
        if code and not certification_code_is_valid(code):
            errors["code"] = _("Enter an RNCP or RS code: RNCP or RS followed by digits "
                               "(for example RNCP35609).")
        values["code"] = code
    if "title" in op:
        values["title"] = _read(op, errors, "title", _one_line)
        _required(errors, "title", values["title"])
    for name in ("level", "eqf_level"):
        if name in op:
            values[name] = _read(op, errors, name, lambda v: _integer(v, low=3, high=8))
    if "nsf_codes" in op:
        values["nsf_codes"] = _read(op, errors, "nsf_codes", _words)
        if "nsf_codes" not in errors and any(
            not re.fullmatch(r"\d{3}[a-zA-Z]?", code) for code in values["nsf_codes"]
        ):
            errors["nsf_codes"] = _("An NSF code is three digits, possibly followed by a "
                                    "letter (for example 326 or 326n).")
    if "certifier" in op:
        values["certifier"] = _read(op, errors, "certifier", lambda v: _one_line(v, limit=300))
    for name in ("registration_date", "registration_end_date", "last_issuing_date"):
        if name in op:
            values[name] = _read(op, errors, name, _date)
    start = values.get("registration_date", draft.certification.registration_date)
    end = values.get("registration_end_date", draft.certification.registration_end_date)
    if start and end and end < start and "registration_end_date" not in errors:
        errors["registration_end_date"] = _("The end of registration comes before its start.")
    if errors:
        return errors
    cert = draft.certification
    for name, value in values.items():
        if name == "certifier":
            if value and cert.certifiers:
                cert.certifiers[0].legal_name = value
            elif value:
                cert.certifiers.append(CertifierDraft(legal_name=value))
            elif cert.certifiers:
                cert.certifiers.pop(0)
        else:
            setattr(cert, name, value)
    return {}


def _bloc_values(draft: ReferentielDraft, op: Op, errors: Errors,
                 bloc: BlocDraft | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "code" in op:
        values["code"] = code_normalise(_read(op, errors, "code", _text) or "")
        if "code" not in errors:
            _check_bloc_code(draft, values["code"], errors, bloc)
    if "title" in op or bloc is None:
        values["title"] = _read({"title": op.get("title")}, errors, "title", _one_line)
        _required(errors, "title", values["title"])
    if "description" in op:
        values["description"] = _read(op, errors, "description",
                                      lambda v: _text(v, limit=MAX_TEXT))
    return values


def _update(item: object, values: dict[str, Any], errors: Errors) -> Errors:
    """Set the read values on the item, unless reading them found errors (then nothing)."""
    if errors:
        return errors
    for name, value in values.items():
        setattr(item, name, value)
    return {}


def set_bloc(draft: ReferentielDraft, op: Op) -> Errors:
    bloc = _bloc(draft, op.get("bloc"))
    if bloc is None:
        return {"bloc": _("No such block in this framework.")}
    errors: Errors = {}
    return _update(bloc, _bloc_values(draft, op, errors, bloc), errors)


def add_bloc(draft: ReferentielDraft, op: Op) -> Errors:
    errors: Errors = {}
    values = _bloc_values(draft, op, errors, None)
    ref = _new_ref(draft, op, errors, "bloc-new")
    if errors:
        return errors
    draft.blocs.append(BlocDraft(ref=ref, code=values.get("code", ""), title=values["title"],
                                 description=values.get("description") or ""))
    return {}


def _unlink_competences(draft: ReferentielDraft, refs: set[str]) -> None:
    for criterion in draft.criteria():
        criterion.competence_refs = [r for r in criterion.competence_refs if r not in refs]
    for modality in draft.modalities:
        modality.competence_refs = [r for r in modality.competence_refs if r not in refs]


def remove_bloc(draft: ReferentielDraft, op: Op) -> Errors:
    bloc = _bloc(draft, op.get("bloc"))
    if bloc is None:
        return {"bloc": _("No such block in this framework.")}
    if len(draft.blocs) == 1:
        return {"bloc": _("A framework keeps at least one block.")}
    draft.blocs.remove(bloc)
    _unlink_competences(draft, {c.ref for c in bloc.competences})
    for modality in draft.modalities:
        modality.bloc_refs = [r for r in modality.bloc_refs if r != bloc.ref]
    return {}


def _competence_values(draft: ReferentielDraft, op: Op, errors: Errors, bloc: BlocDraft,
                       competence: CompetenceDraft | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "code" in op:
        values["code"] = _read(op, errors, "code", lambda v: _one_line(v, limit=MAX_CODE))
        if "code" not in errors:
            _check_competence_code(draft, values["code"], errors, competence)
    if "title" in op or competence is None:
        values["title"] = _read({"title": op.get("title")}, errors, "title",
                                lambda v: _one_line(v, limit=MAX_TEXT))
        _required(errors, "title", values["title"])
    if "description" in op:
        values["description"] = _read(op, errors, "description",
                                      lambda v: _text(v, limit=MAX_TEXT))
    if "activity" in op:
        activity = op["activity"] or None
        if activity is not None and (not isinstance(activity, str) or activity not in {
                a.ref for a in bloc.activities}):
            errors["activity"] = _("No such activity in this block.")
        values["activity_ref"] = activity
    return values


def set_competence(draft: ReferentielDraft, op: Op) -> Errors:
    found = _competence(draft, op.get("competence"))
    if found is None:
        return {"competence": _("No such competence in this framework.")}
    bloc, competence = found
    errors: Errors = {}
    return _update(competence, _competence_values(draft, op, errors, bloc, competence), errors)


def add_competence(draft: ReferentielDraft, op: Op) -> Errors:
    bloc = _bloc(draft, op.get("bloc"))
    if bloc is None:
        return {"bloc": _("No such block in this framework.")}
    errors: Errors = {}
    values = _competence_values(draft, op, errors, bloc, None)
    ref = _new_ref(draft, op, errors, f"{bloc.ref}-c")
    if errors:
        return errors
    bloc.competences.append(CompetenceDraft(
        ref=ref, code=values.get("code") or "", title=values["title"],
        description=values.get("description") or "", activity_ref=values.get("activity_ref"),
    ))
    return {}


def remove_competence(draft: ReferentielDraft, op: Op) -> Errors:
    found = _competence(draft, op.get("competence"))
    if found is None:
        return {"competence": _("No such competence in this framework.")}
    bloc, competence = found
    bloc.competences.remove(competence)
    _unlink_competences(draft, {competence.ref})
    return {}


def move_competence(draft: ReferentielDraft, op: Op) -> Errors:
    found = _competence(draft, op.get("competence"))
    if found is None:
        return {"competence": _("No such competence in this framework.")}
    source, competence = found
    target = _bloc(draft, op.get("bloc"))
    errors: Errors = {}
    if target is None:
        errors["bloc"] = _("No such block in this framework.")
    position = _read(op, errors, "position", lambda v: _integer(v, low=0, high=10_000)) if (
        "position" in op) else None
    if errors or target is None:
        return errors
    source.competences.remove(competence)
    if position is None or position > len(target.competences):
        position = len(target.competences)
    target.competences.insert(position, competence)
    if target is not source:
        competence.activity_ref = None
        alone = [c for c in source.criteria if c.competence_refs == [competence.ref]]
        source.criteria = [c for c in source.criteria if c not in alone]
        target.criteria.extend(alone)
    return {}


def _activity_values(op: Op, errors: Errors, bloc: BlocDraft,
                     activity: ActivityDraft | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "code" in op:
        values["code"] = _read(op, errors, "code", lambda v: _one_line(v, limit=MAX_CODE))
        if "code" not in errors and values["code"] and any(
            a.code == values["code"] for a in bloc.activities if a is not activity
        ):
            errors["code"] = _("Another activity of this block has this code.")
    if "title" in op:
        values["title"] = _read(op, errors, "title", _one_line)
    code = values.get("code", activity.code if activity else "")
    title = values.get("title", activity.title if activity else "")
    if not errors and not code and not title:
        errors["title"] = _("Give the activity a code or a title.")
    return values


def set_activity(draft: ReferentielDraft, op: Op) -> Errors:
    found = _activity(draft, op.get("activity"))
    if found is None:
        return {"activity": _("No such activity in this framework.")}
    bloc, activity = found
    errors: Errors = {}
    return _update(activity, _activity_values(op, errors, bloc, activity), errors)


def add_activity(draft: ReferentielDraft, op: Op) -> Errors:
    bloc = _bloc(draft, op.get("bloc"))
    if bloc is None:
        return {"bloc": _("No such block in this framework.")}
    errors: Errors = {}
    values = _activity_values(op, errors, bloc, None)
    ref = _new_ref(draft, op, errors, f"{bloc.ref}-a")
    if errors:
        return errors
    bloc.activities.append(ActivityDraft(ref=ref, code=values.get("code") or "",
                                         title=values.get("title") or ""))
    return {}


def remove_activity(draft: ReferentielDraft, op: Op) -> Errors:
    found = _activity(draft, op.get("activity"))
    if found is None:
        return {"activity": _("No such activity in this framework.")}
    bloc, activity = found
    bloc.activities.remove(activity)
    for competence in bloc.competences:
        if competence.activity_ref == activity.ref:
            competence.activity_ref = None
    return {}


def _criterion_values(draft: ReferentielDraft, op: Op, errors: Errors,
                      new: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "text" in op or new:
        values["text"] = _read({"text": op.get("text")}, errors, "text",
                               lambda v: _text(v, limit=MAX_TEXT))
        _required(errors, "text", values["text"])
    if "competences" in op:
        known = [c.ref for c in draft.competences()]
        values["competence_refs"] = _read(op, errors, "competences", lambda v: _refs(v, known))
    if "modality" in op:
        modality = op["modality"] or None
        if modality is not None and _modality(draft, modality) is None:
            errors["modality"] = _("No such assessment method in this framework.")
        values["modality_ref"] = modality
    return values


def set_criterion(draft: ReferentielDraft, op: Op) -> Errors:
    errors: Errors = {}
    found = _criterion(draft, op, errors)
    if found is None:
        return errors
    bloc, index = found
    return _update(bloc.criteria[index], _criterion_values(draft, op, errors, new=False),
                   errors)


def add_criterion(draft: ReferentielDraft, op: Op) -> Errors:
    bloc = _bloc(draft, op.get("bloc"))
    if bloc is None:
        return {"bloc": _("No such block in this framework.")}
    errors: Errors = {}
    values = _criterion_values(draft, op, errors, new=True)
    if errors:
        return errors
    bloc.criteria.append(CriterionDraft(**values))
    return {}


def remove_criterion(draft: ReferentielDraft, op: Op) -> Errors:
    errors: Errors = {}
    found = _criterion(draft, op, errors)
    if found is None:
        return errors
    bloc, index = found
    del bloc.criteria[index]
    return {}


def _modality_values(draft: ReferentielDraft, op: Op, errors: Errors,
                     modality: ModalityDraft | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "code" in op:
        values["code"] = code_normalise(_read(op, errors, "code",
                                              lambda v: _text(v, limit=MAX_CODE)) or "")
        if "code" not in errors:
            _check_modality_code(draft, values["code"], errors, modality)
    if "title" in op or modality is None:
        values["title"] = _read({"title": op.get("title")}, errors, "title", _one_line)
        _required(errors, "title", values["title"])
    if "kind" in op:
        kind = op["kind"] or ModalityKind.OTHER.value
        if kind not in {k.value for k in ModalityKind}:
            errors["kind"] = _("Choose a kind from the list.")
        else:
            values["kind"] = ModalityKind(kind)
    if "duration_minutes" in op:
        values["duration_minutes"] = _read(op, errors, "duration_minutes",
                                           lambda v: _integer(v, low=1, high=24 * 60))
    if "duration_text" in op:
        values["duration_text"] = _read(op, errors, "duration_text", _one_line)
    for name in ("description", "deliverables"):
        if name in op:
            values[name] = _read(op, errors, name, lambda v: _text(v, limit=MAX_TEXT))
    if "team" in op:
        values["team"] = _read(op, errors, "team", _boolean)
    if "competences" in op:
        known = [c.ref for c in draft.competences()]
        values["competence_refs"] = _read(op, errors, "competences", lambda v: _refs(v, known))
    if "blocs" in op:
        known = [b.ref for b in draft.blocs]
        values["bloc_refs"] = _read(op, errors, "blocs", lambda v: _refs(v, known))
    return values


def set_modality(draft: ReferentielDraft, op: Op) -> Errors:
    modality = _modality(draft, op.get("modality"))
    if modality is None:
        return {"modality": _("No such assessment method in this framework.")}
    errors: Errors = {}
    return _update(modality, _modality_values(draft, op, errors, modality), errors)


def add_modality(draft: ReferentielDraft, op: Op) -> Errors:
    errors: Errors = {}
    values = _modality_values(draft, op, errors, None)
    ref = _new_ref(draft, op, errors, "e-new")
    if errors:
        return errors
    modality = ModalityDraft(ref=ref, code="", title=values.pop("title"))
    _update(modality, values, {})
    draft.modalities.append(modality)
    return {}


def remove_modality(draft: ReferentielDraft, op: Op) -> Errors:
    modality = _modality(draft, op.get("modality"))
    if modality is None:
        return {"modality": _("No such assessment method in this framework.")}
    draft.modalities.remove(modality)
    for criterion in draft.criteria():
        if criterion.modality_ref == modality.ref:
            criterion.modality_ref = None
    return {}


def _scale_exists(code: str) -> bool:
    # The default scale always exists: services.scales.scale_default recreates it if needed.
    return code == Scale.DEFAULT_CODE or Scale.objects.filter(code=code).exists()


def set_scale(draft: ReferentielDraft, op: Op) -> Errors:
    """``scale``: "" for the document's own scale (the default one when it states none),
    or the code of an existing scale (``Scale.DEFAULT_CODE`` for the default 4 levels)."""
    code = op.get("scale")
    if code is None:
        code = SCALE_AS_DOCUMENT
    if not isinstance(code, str) or (code and not _scale_exists(code)):
        return {"scale": _("Choose a scale from the list.")}
    draft.scale_code = code
    return {}


def clean_rules(raw: dict[str, Any]) -> tuple[dict[str, Any], Errors]:
    """RuleSet values from a form or JSON: (values as stored on the draft, errors)."""
    errors: Errors = {}
    values: dict[str, Any] = {}
    for name in raw:
        if name not in RULE_FIELDS:
            errors[name] = _("Unknown rule.")
    if "bloc_validity_months" in raw:
        values["bloc_validity_months"] = _read(
            raw, errors, "bloc_validity_months", lambda v: _integer(v, low=1, high=600))
    for name in ("divergence_threshold", "quorum_min_members"):
        if name in raw:
            value = _read(raw, errors, name, lambda v: _integer(v, low=1, high=20))
            if value is None and name not in errors:
                errors[name] = _("This field is required.")
            values[name] = value
    for name in ("president_required", "warn_on_single_gender"):
        if name in raw:
            values[name] = _read(raw, errors, name, _boolean)
    if "external_professional_share" in raw:
        values["external_professional_share"] = _read(
            raw, errors, "external_professional_share", _share)
    return values, errors


def _share(value: Any) -> str:
    if isinstance(value, bool) or value in (None, ""):
        raise _InvalidValueError(_("Enter a share from 0 to 1, for example 0.5."))
    try:
        share = Decimal(str(value).replace(",", ".").strip())
    except InvalidOperation:
        raise _InvalidValueError(_("Enter a share from 0 to 1, for example 0.5.")) from None
    if not Decimal("0") <= share <= Decimal("1") or share != share.quantize(Decimal("0.01")):
        raise _InvalidValueError(_("Enter a share from 0 to 1, for example 0.5."))
    return str(share.quantize(Decimal("0.01")))


def set_rules(draft: ReferentielDraft, op: Op) -> Errors:
    values, errors = clean_rules({k: v for k, v in op.items() if k != "op"})
    if errors:
        return errors
    draft.rules = {**draft.rules, **values}
    return {}


OPERATIONS: dict[str, Callable[[ReferentielDraft, Op], Errors]] = {
    "set_certification": set_certification,
    "set_bloc": set_bloc,
    "add_bloc": add_bloc,
    "remove_bloc": remove_bloc,
    "set_activity": set_activity,
    "add_activity": add_activity,
    "remove_activity": remove_activity,
    "set_competence": set_competence,
    "add_competence": add_competence,
    "remove_competence": remove_competence,
    "move_competence": move_competence,
    "set_criterion": set_criterion,
    "add_criterion": add_criterion,
    "remove_criterion": remove_criterion,
    "set_modality": set_modality,
    "add_modality": add_modality,
    "remove_modality": remove_modality,
    "set_scale": set_scale,
    "set_rules": set_rules,
}


def apply_op(draft: ReferentielDraft, op: Any) -> Errors:
    """Apply one operation; on errors the draft is left exactly as it was."""
    return apply_patch(draft, [op]).get(0, {})


def check_patch(draft: ReferentielDraft, ops: Any) -> dict[int, Errors]:
    """What ``apply_patch`` would answer, found on a copy: the draft is never changed."""
    if not isinstance(ops, list):
        return {0: {"ops": _("Send a list of operations.")}}
    work = copy.deepcopy(draft)
    for index, op in enumerate(ops):
        if not isinstance(op, dict) or op.get("op") not in OPERATIONS:
            return {index: {"op": _("Unknown operation; expected one of: %(ops)s.")
                            % {"ops": ", ".join(OPERATIONS)}}}
        errors = OPERATIONS[op["op"]](work, op)
        if errors:
            return {index: errors}
    return {}


def apply_patch(draft: ReferentielDraft, ops: Any) -> dict[int, Errors]:
    """Apply operations in order, all or nothing: {op index: field errors} when refused."""
    # A dry run on a copy first, then the same operations (deterministic) on the draft
    # itself, so that objects the caller holds stay the draft's.
    errors = check_patch(draft, ops)
    if errors:
        return errors
    for op in ops:
        OPERATIONS[op["op"]](draft, op)
    return {}


# -- what the editor adds to the validation --------------------------------------------
def edit_issues(draft: ReferentielDraft) -> list[Issue]:
    """Checks of what the editor sets (scale choice, rules): a JSON file may state them too."""
    issues = []
    if draft.scale_code and not _scale_exists(draft.scale_code):
        issues.append(Issue(Severity.ERROR, _("Unknown scale “%(code)s”.")
                            % {"code": draft.scale_code[:40]}, "scale"))
    elif not draft.scale_code and draft.scale is None:
        issues.append(Issue(Severity.WARNING, _(
            "The document states no scale: the default 4-level scale will be used."), "scale"))
    if draft.rules:
        errors = clean_rules(draft.rules)[1]
        issues.extend(Issue(Severity.ERROR, f"{name}: {message}", "rules")
                      for name, message in errors.items())
    return issues
