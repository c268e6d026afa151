"""The référentiel draft: what every import format parses into (DESIGN.md §4.1).

Plain dataclasses, no database. A parser turns bytes into one or more
``ReferentielDraft``; ``certifications.importers.validation.validate`` adds the
checks every format shares; ``certifications.services.referentiel_import`` saves a
draft in one transaction. Adding a format therefore means adding one parser.

Cross references inside a draft use ``ref`` strings, unique within the draft:
the entity's code when the document gives one, otherwise a generated ref
(``bloc2-c3``) so that a missing code can be completed later in the preview.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

# The domain enums live in certifications.vocabulary. ModalityKind must stay importable
# from here: migration 0001 names ``certifications.importers.draft.ModalityKind``.
from certifications.vocabulary import LevelOutcome, ModalityKind


class Severity(enum.StrEnum):
    ERROR = "error"  # the draft cannot be saved as it is
    WARNING = "warning"  # saved, but an administrator should look (missing code, guess)
    INFO = "info"


@dataclass
class Issue:
    """One finding of a parser or of the validation, with where it was found."""

    severity: Severity
    message: str
    location: str = ""  # "line 12", "FICHE RNCP35609 / BLOC_COMPETENCES[2]", "row 7"


# Locations in the file, in the uploader's language (the import runs in the request).
def line_location(number: int) -> str:
    return _("line %(number)d") % {"number": number}


def line_column_location(line: int, column: int) -> str:
    return _("line %(line)d, column %(column)d") % {"line": line, "column": column}


def page_location(number: int) -> str:
    return _("page %(number)d") % {"number": number}


@dataclass
class LevelDraft:
    number: int
    label: str
    description: str = ""
    outcome: LevelOutcome = LevelOutcome.ACQUIRED


@dataclass
class ScaleDraft:
    name: str
    levels: list[LevelDraft] = field(default_factory=list)


@dataclass
class CertifierDraft:
    legal_name: str
    siret: str = ""
    commercial_name: str = ""
    website: str = ""


@dataclass
class PartnerDraft:
    """An organisation habilitated by the certifier (the fiche's PARTENAIRES/PARTENAIRE)."""

    legal_name: str
    siret: str
    kind: str  # a certifications.models.PartnerKind value: prepare, organise, both
    starts_on: date | None = None
    ends_on: date | None = None
    active: bool = True


@dataclass
class RequirementDraft:
    """An extra condition of the certification beyond the blocs (company mission, thesis...)."""

    label: str
    description: str = ""


@dataclass
class CertificationDraft:
    code: str = ""  # "RNCP35609"; empty when the document does not give it
    title: str = ""
    level: int | None = None  # niveau 3..8 of the French nomenclature
    eqf_level: int | None = None
    nsf_codes: list[str] = field(default_factory=list)
    formacodes: list[str] = field(default_factory=list)
    rome_codes: list[str] = field(default_factory=list)
    certifiers: list[CertifierDraft] = field(default_factory=list)
    registration_date: date | None = None  # date of the France compétences decision
    registration_end_date: date | None = None
    last_issuing_date: date | None = None  # DATE_LIMITE_DELIVRANCE
    active: bool | None = None
    replaces: list[str] = field(default_factory=list)  # codes of the fiches this one replaces
    replaced_by: list[str] = field(default_factory=list)
    access_routes: list[str] = field(default_factory=list)  # "vae", "formation_continue", ...
    description: str = ""
    requirements: list[RequirementDraft] = field(default_factory=list)
    # Evaluation may be adapted for candidates with disabilities (stated by the document).
    accommodations_available: bool = False
    # None: the document says nothing of partners (they are left as they are); a list, even
    # empty, is the whole list of the organisations the fiche habilitates.
    partners: list[PartnerDraft] | None = None


@dataclass
class ActivityDraft:
    ref: str
    code: str
    title: str = ""


@dataclass
class CompetenceDraft:
    ref: str
    code: str
    title: str
    description: str = ""
    activity_ref: str | None = None


@dataclass
class CriterionDraft:
    text: str
    competence_refs: list[str] = field(default_factory=list)
    modality_ref: str | None = None


@dataclass
class BlocDraft:
    ref: str
    code: str
    title: str
    description: str = ""
    activities: list[ActivityDraft] = field(default_factory=list)
    competences: list[CompetenceDraft] = field(default_factory=list)
    criteria: list[CriterionDraft] = field(default_factory=list)
    # Free text of how the bloc is assessed (MODALITES_EVALUATION of the XML export).
    assessment_text: str = ""
    certifiable_alone: bool = True


@dataclass
class ModalityDraft:
    ref: str
    code: str  # "E1"; empty when the document gives none
    title: str
    kind: ModalityKind = ModalityKind.OTHER
    description: str = ""  # what the candidate does
    deliverables: str = ""  # what the candidate hands in
    duration_minutes: int | None = None
    duration_text: str = ""  # as written ("20 min de présentation + 10 min d'échange")
    team: bool = False  # a team épreuve still scores each candidate individually
    competence_refs: list[str] = field(default_factory=list)  # possibly across blocs
    bloc_refs: list[str] = field(default_factory=list)


@dataclass
class ReferentielDraft:
    certification: CertificationDraft
    blocs: list[BlocDraft] = field(default_factory=list)
    modalities: list[ModalityDraft] = field(default_factory=list)
    scale: ScaleDraft | None = None  # None: the default 4-level scale
    # Set in the preview editor (certifications.services.draft_edit): the code of an
    # existing Scale to use instead of ``scale``; "" keeps the document's (or the default).
    scale_code: str = ""
    # The certification's deliberation rules (RuleSet fields) chosen in the editor.
    rules: dict = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    source_format: str = ""  # "document", "rncp-xml", "spreadsheet", "json"
    source_name: str = ""

    # -- reading helpers ---------------------------------------------------------------
    def competences(self) -> list[CompetenceDraft]:
        return [c for bloc in self.blocs for c in bloc.competences]

    def criteria(self) -> list[CriterionDraft]:
        return [c for bloc in self.blocs for c in bloc.criteria]

    def activities(self) -> list[ActivityDraft]:
        return [a for bloc in self.blocs for a in bloc.activities]

    def counts(self) -> dict[str, int]:
        return {
            "blocs": len(self.blocs),
            "activities": len(self.activities()),
            "competences": len(self.competences()),
            "criteria": len(self.criteria()),
            "modalities": len(self.modalities),
        }

    def warn(self, message: str, location: str = "") -> None:
        self.issues.append(Issue(Severity.WARNING, message, location))

    def error(self, message: str, location: str = "") -> None:
        self.issues.append(Issue(Severity.ERROR, message, location))

    def has_errors(self) -> bool:
        return any(issue.severity is Severity.ERROR for issue in self.issues)

