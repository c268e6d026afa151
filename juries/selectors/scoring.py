"""The scorer's reads: the sittings a jury member is assigned to, their scores, and the
scoring grid of a sitting (DESIGN.md §8: nobody else's sittings)."""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.permissions import by_role, is_jury_member
from assessments.models import CriterionCheck, Score, Sitting
from candidates.models import EnrolmentStatus
from certifications.models import Bloc, Competence, Criterion, Level, Modality
from certifications.selectors import scale_levels
from juries.models import Assignment, JuryMember


def member_for_user(*, user: User) -> JuryMember | None:
    if not is_jury_member(user):
        return None
    return JuryMember.objects.filter(user=user).first()


def sittings_for_scorer(*, user: User) -> QuerySet[Sitting]:
    """The sittings a user may score: those they are assigned to (nobody else's), of
    épreuves not cancelled, of candidates not withdrawn."""
    if not is_jury_member(user):
        return Sitting.objects.none()
    return Sitting.objects.filter(
        assignments__member__user=user, assessment__cancelled_at__isnull=True
    ).exclude(enrolment__status=EnrolmentStatus.WITHDRAWN).select_related(
        "assessment__session__referentiel__scale",
        "assessment__modality",
        "enrolment__candidate",
    )


def sitting_get_for_scorer(*, user: User, public_id: str) -> Sitting:
    """Raises Sitting.DoesNotExist when the user is not assigned (the view answers 404)."""
    return sittings_for_scorer(user=user).get(public_id=public_id)


def assignment_list_for_user(*, user: User) -> QuerySet[Assignment]:
    assignments = Assignment.objects.select_related(
        "member__user", "sitting__assessment__session", "sitting__enrolment__candidate"
    )
    return assignments.filter(by_role(user, admin=Q(), jury=Q(member__user=user)))


def score_list_for_user(*, user: User) -> QuerySet[Score]:
    """Administrators: every score; a jury member: their own scores on the sittings they
    are assigned to; anyone else: nothing."""
    scores = Score.objects.select_related(
        "sitting__assessment__session", "sitting__enrolment__candidate", "competence", "scorer"
    ).order_by("sitting__assessment__starts_at", "sitting_id", "competence__position", "pk")
    return scores.filter(by_role(user, admin=Q(),
                                 jury=Q(scorer=user, sitting__assignments__member__user=user)))


def sitting_competences(*, sitting: Sitting) -> QuerySet[Competence]:
    """The compétences the sitting's épreuve evaluates (the sitting was reached through a
    selector already)."""
    return Competence.objects.filter(modalities=sitting.assessment.modality_id)


def sitting_criteria(*, sitting: Sitting) -> QuerySet[Criterion]:
    """The criteria of the sitting's référentiel (the sitting was reached through a
    selector already)."""
    return Criterion.objects.select_related("bloc").filter(
        bloc__referentiel_id=sitting.assessment.session.referentiel_id)


@dataclass(frozen=True)
class GridCompetence:
    competence: Competence
    criteria: list[Criterion]  # the criteria shown under it (each criterion once)
    score: Score | None  # this scorer's


@dataclass(frozen=True)
class GridBloc:
    bloc: Bloc
    competences: list[GridCompetence]
    criteria: list[Criterion]  # of this épreuve, linked to no compétence shown


@dataclass(frozen=True)
class ScoringGrid:
    blocs: list[GridBloc]
    levels: list[Level]
    checks: dict[int, CriterionCheck]  # criterion pk → this scorer's check

    @property
    def competences(self) -> list[GridCompetence]:
        return [item for bloc in self.blocs for item in bloc.competences]

    @property
    def scored_count(self) -> int:
        return sum(1 for item in self.competences if item.score and item.score.level)


def grid_for_scorer(*, sitting: Sitting, user: User) -> ScoringGrid:
    """What ``user`` sees on the grid of a sitting reached through
    ``sitting_get_for_scorer``: blocs → compétences the épreuve evaluates → their criteria
    (of this épreuve or of none), the scale's levels, the user's scores and checks. Six
    queries whatever the number of compétences."""
    modality_id = sitting.assessment.modality_id
    referentiel = sitting.assessment.session.referentiel
    competences = list(
        Competence.objects.filter(modalities=modality_id).select_related("bloc")
        .order_by("bloc__position", "bloc_id", "position", "pk")
    )
    bloc_ids = {c.bloc_id for c in competences}
    criteria = list(
        Criterion.objects.filter(bloc__referentiel_id=referentiel.pk)
        .filter(Q(modality_id=modality_id) | Q(modality__isnull=True, bloc_id__in=bloc_ids))
        .select_related("bloc").order_by("bloc__position", "bloc_id", "position", "pk")
    )
    links = Criterion.competences.through.objects.filter(
        criterion__in=[c.pk for c in criteria], competence__in=[c.pk for c in competences]
    ).values_list("criterion_id", "competence_id")
    scores = {s.competence_id: s for s in Score.objects.filter(sitting=sitting, scorer=user)}
    checks = {c.criterion_id: c
              for c in CriterionCheck.objects.filter(sitting=sitting, scorer=user)}
    levels = scale_levels(referentiel=referentiel)
    return ScoringGrid(blocs=_grid_blocs(competences, criteria, list(links), scores),
                       levels=levels, checks=checks)


def _grid_blocs(competences: list[Competence], criteria: list[Criterion],
                links: list[tuple[int, int]], scores: dict[int, Score]) -> list[GridBloc]:
    """Each criterion goes under the first compétence shown that it is linked to, else
    under its bloc."""
    order = {c.pk: index for index, c in enumerate(competences)}
    home: dict[int, int] = {}
    for criterion_id, competence_id in links:
        if criterion_id not in home or order[competence_id] < order[home[criterion_id]]:
            home[criterion_id] = competence_id
    under: dict[int, list[Criterion]] = {}
    loose: dict[int, list[Criterion]] = {}
    for criterion in criteria:
        if criterion.pk in home:
            under.setdefault(home[criterion.pk], []).append(criterion)
        else:
            loose.setdefault(criterion.bloc_id, []).append(criterion)
    blocs = {c.bloc_id: c.bloc for c in [*competences, *criteria]}
    ordered = sorted(blocs.values(), key=lambda bloc: (bloc.position, bloc.pk))
    return [
        GridBloc(
            bloc=bloc,
            competences=[GridCompetence(c, under.get(c.pk, []), scores.get(c.pk))
                         for c in competences if c.bloc_id == bloc.pk],
            criteria=loose.get(bloc.pk, []),
        )
        for bloc in ordered
    ]


def sittings_with_progress_for_scorer(*, user: User) -> QuerySet[Sitting]:
    """The user's assigned sittings in calendar order, each with ``scored`` (compétences
    the user gave a level) and ``competence_total`` (compétences the épreuve evaluates).
    One query."""
    scored = (
        Score.objects.filter(sitting=OuterRef("pk"), scorer=user.pk, level__isnull=False)
        .order_by().values("sitting").annotate(n=Count("pk")).values("n")
    )
    total = (
        Modality.competences.through.objects.filter(modality_id=OuterRef("assessment__modality"))
        .order_by().values("modality_id").annotate(n=Count("pk")).values("n")
    )
    return sittings_for_scorer(user=user).annotate(
        scored=Coalesce(Subquery(scored), 0), competence_total=Coalesce(Subquery(total), 0)
    ).order_by("assessment__session__starts_on", "assessment__session_id",
               "assessment__starts_at", "assessment_id", "team",
               "enrolment__candidate__birth_name", "enrolment__candidate__first_names", "pk")
