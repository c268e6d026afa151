"""Reads on référentiels, with the permission filter built in (DESIGN.md §8)."""

import io
import json
from collections import Counter
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery

from accounts.models import User
from accounts.permissions import is_administrator_or_jury, may_manage_certifications
from certifications.importers import json_format
from certifications.importers.draft import (
    ActivityDraft,
    BlocDraft,
    CertificationDraft,
    CertifierDraft,
    CompetenceDraft,
    CriterionDraft,
    LevelDraft,
    ModalityDraft,
    ReferentielDraft,
    RequirementDraft,
    ScaleDraft,
)
from certifications.models import (
    Bloc,
    Certification,
    Certifier,
    Competence,
    Criterion,
    Level,
    Modality,
    Partner,
    Referentiel,
    ReferentielImport,
    RuleSet,
    Scale,
)
from certifications.rules import CertificationRules
from certifications.vocabulary import LevelOutcome, ModalityKind


def certification_list_for_user(*, user: User) -> QuerySet[Certification]:
    """Administrators and jury members read every référentiel; candidates read theirs
    through their enrolment (the candidate space), not this list."""
    if not is_administrator_or_jury(user):
        return Certification.objects.none()
    latest = Referentiel.objects.filter(certification=OuterRef("pk")).order_by("-version")
    return Certification.objects.annotate(
        version_count=Count("referentiels"),
        latest_referentiel=Subquery(latest.values("public_id")[:1]),
    ).order_by("code", "title")


def referentiel_get_for_user(*, user: User, public_id: str) -> Referentiel:
    """Raises Referentiel.DoesNotExist when out of reach (the view answers 404)."""
    certifications = certification_list_for_user(user=user)
    return Referentiel.objects.select_related("certification", "scale").get(
        public_id=public_id, certification__in=certifications
    )


def referentiel_tree(*, referentiel: Referentiel) -> list[Bloc]:
    """Blocs with activities, compétences and criteria, in a constant number of queries."""
    return list(
        referentiel.blocs.prefetch_related(
            "activities",
            Prefetch("competences", queryset=Competence.objects.select_related("activity")),
            Prefetch(
                "criteria",
                queryset=Criterion.objects.select_related("modality").prefetch_related(
                    "competences"
                ),
            ),
        )
    )


def certification_list_with_versions_for_user(*, user: User) -> QuerySet[Certification]:
    """The référentiel list page: certifications with their versions, newest first."""
    return certification_list_for_user(user=user).prefetch_related(
        Prefetch("referentiels", queryset=Referentiel.objects.order_by("-version"))
    )


def referentiel_import_get_for_user(*, user: User, public_id: str) -> ReferentielImport:
    """Imports are an administrator's work; anyone else gets DoesNotExist (a 404)."""
    if not may_manage_certifications(user):
        raise ReferentielImport.DoesNotExist
    return ReferentielImport.objects.get(public_id=public_id)


def referentiel_import_drafts(*, referentiel_import: ReferentielImport) -> list[ReferentielDraft]:
    """The drafts an import holds, read back from their own JSON with their source."""
    drafts = []
    for data in referentiel_import.drafts:
        (draft,) = json_format.parse(io.BytesIO(json.dumps(data).encode()))
        draft.source_format = referentiel_import.format
        draft.source_name = referentiel_import.file_name
        drafts.append(draft)
    return drafts


def referentiel_latest_for_draft(*, draft: ReferentielDraft) -> Referentiel | None:
    """The current version of the certification a draft would be imported into.

    The same matching as the import: by RNCP code, or by title when the draft has none.
    """
    code = draft.certification.code.strip()
    lookup = {"certification__code": code} if code else {
        "certification__code": "", "certification__title": draft.certification.title.strip()
    }
    return Referentiel.objects.filter(**lookup).order_by("-version").first()


# -- model → draft -----------------------------------------------------------------------
def referentiel_to_draft(*, referentiel: Referentiel) -> ReferentielDraft:
    """The draft of a saved version (exports, diffs), in a constant number of queries.

    Refs are the codes when they are unique in the version, otherwise generated, so a
    draft made here validates and imports back to the same content.
    """
    referentiel = (
        Referentiel.objects.select_related("certification", "scale")
        .prefetch_related("scale__levels", "certification__requirements")
        .get(pk=referentiel.pk)
    )
    blocs = referentiel_tree(referentiel=referentiel)
    modalities = list(
        referentiel.modalities.prefetch_related(
            Prefetch("competences", queryset=Competence.objects.only("id")),
            Prefetch("blocs", queryset=Bloc.objects.only("id")),
        )
    )
    refs = _Refs(blocs, modalities)
    return ReferentielDraft(
        certification=_certification_draft(referentiel.certification),
        blocs=[_bloc_draft(bloc, refs) for bloc in blocs],
        modalities=[_modality_draft(modality, refs) for modality in modalities],
        scale=_scale_draft(referentiel),
        source_format=referentiel.source_format,
        source_name=referentiel.source_name,
    )


class _Refs:
    """Draft refs for saved rows: the code when unique in the version, else generated."""

    def __init__(self, blocs: list[Bloc], modalities: list[Modality]) -> None:
        self.bloc = _refs_for([(b.pk, b.code, f"bloc{i}") for i, b in enumerate(blocs, 1)])
        self.activity = _refs_for([
            (a.pk, a.code, f"bloc{i}-a{j}")
            for i, b in enumerate(blocs, 1) for j, a in enumerate(b.activities.all(), 1)
        ])
        self.competence = _refs_for([
            (c.pk, c.code, f"bloc{i}-c{j}")
            for i, b in enumerate(blocs, 1) for j, c in enumerate(b.competences.all(), 1)
        ])
        self.modality = _refs_for(
            [(m.pk, m.code, f"e{i}") for i, m in enumerate(modalities, 1)]
        )


def _refs_for(rows: list[tuple[int, str, str]]) -> dict[int, str]:
    codes = Counter(code for _, code, _ in rows if code)
    refs = {pk: code if code and codes[code] == 1 else generated for pk, code, generated in rows}
    taken = Counter(refs.values())
    # A generated ref that happens to equal a code elsewhere gets a suffix.
    return {pk: ref if taken[ref] == 1 else f"{ref}#{pk}" for pk, ref in refs.items()}


def _certification_draft(certification: Certification) -> CertificationDraft:
    certifiers = []
    if certification.certifier_name:
        certifiers.append(
            CertifierDraft(certification.certifier_name, certification.certifier_siret)
        )
    certifiers += [CertifierDraft(**other) for other in certification.co_certifiers]
    return CertificationDraft(
        code=certification.code,
        title=certification.title,
        level=certification.level,
        eqf_level=certification.eqf_level,
        nsf_codes=list(certification.nsf_codes),
        formacodes=list(certification.formacodes),
        rome_codes=list(certification.rome_codes),
        certifiers=certifiers,
        registration_date=certification.registration_date,
        registration_end_date=certification.registration_end_date,
        last_issuing_date=certification.last_issuing_date,
        active=certification.active,
        replaces=list(certification.replaces),
        replaced_by=list(certification.replaced_by),
        access_routes=list(certification.access_routes),
        description=certification.description,
        requirements=[
            RequirementDraft(r.label, r.description) for r in certification.requirements.all()
        ],
        accommodations_available=certification.accommodations_available,
    )


def _bloc_draft(bloc: Bloc, refs: _Refs) -> BlocDraft:
    return BlocDraft(
        ref=refs.bloc[bloc.pk],
        code=bloc.code,
        title=bloc.title,
        description=bloc.description,
        activities=[
            ActivityDraft(refs.activity[a.pk], a.code, a.title) for a in bloc.activities.all()
        ],
        competences=[
            CompetenceDraft(
                ref=refs.competence[c.pk],
                code=c.code,
                title=c.title,
                description=c.description,
                activity_ref=refs.activity[c.activity_id] if c.activity_id else None,
            )
            for c in bloc.competences.all()
        ],
        criteria=[_criterion_draft(criterion, refs) for criterion in bloc.criteria.all()],
        assessment_text=bloc.assessment_text,
        certifiable_alone=bloc.certifiable_alone,
    )


def _criterion_draft(criterion: Criterion, refs: _Refs) -> CriterionDraft:
    return CriterionDraft(
        text=criterion.text,
        competence_refs=[refs.competence[c.pk] for c in criterion.competences.all()],
        modality_ref=refs.modality[criterion.modality_id] if criterion.modality_id else None,
    )


def _modality_draft(modality: Modality, refs: _Refs) -> ModalityDraft:
    return ModalityDraft(
        ref=refs.modality[modality.pk],
        code=modality.code,
        title=modality.title,
        kind=ModalityKind(modality.kind),
        description=modality.description,
        deliverables=modality.deliverables,
        duration_minutes=modality.duration_minutes,
        duration_text=modality.duration_text,
        team=modality.team,
        competence_refs=[refs.competence[c.pk] for c in modality.competences.all()],
        bloc_refs=[refs.bloc[b.pk] for b in modality.blocs.all()],
    )


def _scale_draft(referentiel: Referentiel) -> ScaleDraft | None:
    """None for the default scale, as a draft that states no scale gets it."""
    if referentiel.scale.code == Scale.DEFAULT_CODE:
        return None
    return ScaleDraft(referentiel.scale.name, [
        LevelDraft(lv.number, lv.label, lv.description, LevelOutcome(lv.outcome))
        for lv in referentiel.scale.levels.all()
    ])


def scale_levels(*, referentiel: Referentiel) -> list[Level]:
    """The levels of the référentiel's scale, in order (1 = the best)."""
    return list(Level.objects.filter(scale_id=referentiel.scale_id).order_by("number"))


def certification_rules(certification: Certification) -> CertificationRules:
    """The certification's rule settings as the pure rules take them (§5 defaults when
    the certification has no RuleSet row)."""
    return _rules_of(RuleSet.objects.filter(certification=certification).first())


def _rules_of(row: RuleSet | None) -> CertificationRules:
    if row is None:
        return CertificationRules()
    return CertificationRules(
        divergence_threshold=row.divergence_threshold,
        bloc_validity_months=row.bloc_validity_months,
        quorum_min_members=row.quorum_min_members,
        president_required=row.president_required,
        external_professional_share=row.external_professional_share,
        warn_on_single_gender=row.warn_on_single_gender,
    )


def referentiel_list_for_user(*, user: User) -> QuerySet[Referentiel]:
    """The versions of the certifications ``user`` reads (the API's list)."""
    return Referentiel.objects.select_related("certification", "scale").filter(
        certification__in=certification_list_for_user(user=user)
    ).order_by("certification__code", "-version")


def referentiel_import_list_for_user(*, user: User) -> QuerySet[ReferentielImport]:
    """Every import, newest first, for administrators; nothing for anyone else."""
    if not may_manage_certifications(user):
        return ReferentielImport.objects.none()
    return ReferentielImport.objects.order_by("-created_at", "-pk")


# -- legal mentions and certifiers -----------------------------------------------------------
def certification_get_for_admin(*, user: User, public_id: str) -> Certification:
    """A certification whose legal mentions the user may edit (administrators only);
    DoesNotExist otherwise (a 404)."""
    if not may_manage_certifications(user):
        raise Certification.DoesNotExist
    return Certification.objects.get(public_id=public_id)


def certification_is_settled(*, certification: Certification) -> bool:
    """Candidates have been scored on one of its versions: what documents print of it is
    settled (its code and title are completed, never rewritten)."""
    return certification.referentiels.filter(locked_at__isnull=False).exists()


@dataclass(frozen=True)
class CertifierRow:
    profile: Certifier
    certifications: list[str]


def certifier_list_for_user(*, user: User) -> list[CertifierRow]:
    """Every certifier profile with the certifications naming it; administrators only
    (empty otherwise)."""
    if not may_manage_certifications(user):
        return []
    names: dict[str, list[str]] = {}
    for certification in Certification.objects.order_by("code", "title"):
        name = certification.certifier_legal_name
        names.setdefault(name, []).append(certification.code or certification.title)
    return [CertifierRow(profile, names.get(profile.legal_name, []))
            for profile in Certifier.objects.order_by("legal_name")]


def certifier_get_for_admin(*, user: User, public_id: str) -> Certifier:
    """A certifier profile (administrators only); DoesNotExist otherwise (a 404)."""
    if not may_manage_certifications(user):
        raise Certifier.DoesNotExist
    return Certifier.objects.get(public_id=public_id)


# -- modalités ---------------------------------------------------------------------------------
def competences_without_modality(*, referentiel: Referentiel) -> list[Competence]:
    """The compétences of ``referentiel`` that no modality evaluates, in the référentiel's
    order (one query): a session on it would have nothing to score them with."""
    return list(
        Competence.objects.filter(bloc__referentiel=referentiel, modalities__isnull=True)
        .select_related("bloc")
        .order_by("bloc__position", "bloc__pk", "position", "pk")
    )


# -- the référentiel page ----------------------------------------------------------------------
@dataclass(frozen=True)
class VersionImport:
    """One confirmed import that made or replaced a version of the certification."""

    row: ReferentielImport
    version: int | None
    referentiel: str  # public id of the version it produced
    action: str


@dataclass(frozen=True)
class ReferentielPage:
    """Everything the référentiel page shows, read in a constant number of queries."""

    referentiel: Referentiel
    versions: list[Referentiel]
    blocs: list[Bloc]
    modalities: list[Modality]
    unevaluated: list[Competence]  # compétences no modality evaluates, in order
    levels: list[Level]
    rules: CertificationRules
    rules_set: bool  # False: the defaults of DESIGN.md §5 (no RuleSet row)
    imports: list[VersionImport]
    is_latest: bool


def referentiel_page_for_user(*, user: User, public_id: str) -> ReferentielPage:
    """A version with its tree, modalités, scale, rules, sibling versions and the imports
    that produced them; Referentiel.DoesNotExist when out of reach (the view's 404).
    Imports are shown to those who manage référentiels only."""
    referentiel = Referentiel.objects.select_related(
        "certification", "scale", "imported_by"
    ).get(public_id=public_id, certification__in=certification_list_for_user(user=user))
    certification = referentiel.certification
    versions = list(
        Referentiel.objects.filter(certification=certification)
        .select_related("imported_by").order_by("-version")
    )
    blocs = list(referentiel.blocs.order_by("position", "pk").prefetch_related(
        "activities",
        Prefetch("competences", queryset=Competence.objects.select_related("activity")),
        Prefetch("criteria", queryset=Criterion.objects.select_related("modality")
                 .prefetch_related(Prefetch("competences", queryset=Competence.objects.only(
                     "id", "code", "position").order_by("position", "pk")))),
    ))
    modalities = list(referentiel.modalities.prefetch_related(
        Prefetch("competences", queryset=Competence.objects.only("id", "code", "title", "bloc_id")
                 .order_by("bloc__position", "position", "pk")),
        Prefetch("blocs", queryset=Bloc.objects.only("id", "code", "title")),
    ))
    evaluated = {c.pk for m in modalities for c in m.competences.all()}
    unevaluated = [c for b in blocs for c in b.competences.all() if c.pk not in evaluated]
    rules_row = RuleSet.objects.filter(certification=certification).first()
    return ReferentielPage(
        referentiel=referentiel,
        versions=versions,
        blocs=blocs,
        modalities=modalities,
        unevaluated=unevaluated,
        levels=list(referentiel.scale.levels.order_by("number")),
        rules=_rules_of(rules_row),
        rules_set=rules_row is not None,
        imports=_version_imports(user, certification, versions),
        is_latest=bool(versions) and versions[0].pk == referentiel.pk,
    )


def _version_imports(
    user: User, certification: Certification, versions: list[Referentiel]
) -> list[VersionImport]:
    """The confirmed imports whose result names a version of ``certification`` (one query;
    the result JSON is matched on the certification's public id, then read)."""
    numbers = {str(v.public_id): v.version for v in versions}
    rows = referentiel_import_list_for_user(user=user).filter(
        status=ReferentielImport.Status.CONFIRMED,
        result__icontains=str(certification.public_id),
    ).select_related("created_by")
    found = []
    for row in rows:
        for entry in (row.result or {}).get("referentiels", []):
            if entry.get("certification") == str(certification.public_id):
                found.append(VersionImport(
                    row=row, version=numbers.get(entry.get("referentiel", ""),
                                                 entry.get("version")),
                    referentiel=entry.get("referentiel", ""), action=entry.get("action", ""),
                ))
    return found


def partner_list_for_admin(*, user: User, certification: Certification) -> QuerySet[Partner]:
    """The certification's partners, active first, with how many sessions name each;
    empty for anyone but an administrator."""
    if not may_manage_certifications(user):
        return Partner.objects.none()
    return (certification.partners.annotate(session_count=Count("sessions"))
            .order_by("-active", "legal_name", "siret"))


def partner_get_for_admin(*, user: User, public_id: str | UUID,
                          certification: Certification | None = None) -> Partner:
    """A partner (of ``certification`` when given); Partner.DoesNotExist when out of
    reach (the view answers 404)."""
    if not may_manage_certifications(user):
        raise Partner.DoesNotExist
    partners = certification.partners if certification is not None else Partner.objects
    return partners.select_related("certification").get(public_id=public_id)
