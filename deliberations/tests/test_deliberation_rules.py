"""Properties of the deliberation's rules (hypothesis), on the pure rules and on the
service's verdict for one candidate (built without a database)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from assessments.models import Attendance
from candidates.models import Enrolment
from certifications.models import Bloc, Competence, Requirement
from certifications.rules import (
    DEFAULT_SCALE_RULES,
    BlocStatus,
    CertificationRules,
    Outcome,
    bloc_status,
    is_acquired,
    proposed_level,
)
from deliberations.models import BlocDecisionStatus
from deliberations.services import _Candidate, _Context, _verdict

levels = st.one_of(st.none(), st.integers(min_value=1, max_value=4))
bloc_levels = st.dictionaries(st.text(min_size=1, max_size=4), levels, max_size=8)


@given(bloc_levels)
def test_no_bloc_is_validated_with_a_competence_not_acquired(finals):
    if bloc_status(finals) is BlocStatus.VALIDATED:
        assert finals
        assert all(level is not None and is_acquired(level) for level in finals.values())


@given(st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=7))
def test_the_proposal_is_a_given_level_never_kinder_than_the_median(given_levels):
    proposal = proposed_level(given_levels)
    assert proposal in given_levels
    assert sum(1 for level in given_levels if level >= proposal) * 2 >= len(given_levels)


def _context(bloc_sizes: list[int], requirements: int) -> _Context:
    blocs = [Bloc(pk=b + 1, code=f"BC0{b + 1}", title=f"Bloc {b + 1}")
             for b in range(len(bloc_sizes))]
    competences = {
        bloc.pk: [Competence(pk=bloc.pk * 100 + c, bloc_id=bloc.pk, code=f"C{bloc.pk}.{c}")
                  for c in range(size)]
        for bloc, size in zip(blocs, bloc_sizes, strict=True)
    }
    return _Context(
        session=None, on=date(2027, 6, 30), rules=CertificationRules(),  # type: ignore[arg-type]
        scale=DEFAULT_SCALE_RULES, blocs=blocs, competences=competences,
        requirements=[Requirement(pk=r + 1, label=f"R{r}") for r in range(requirements)],
        candidates={},
    )


@st.composite
def candidates(draw):
    ctx = _context(draw(st.lists(st.integers(min_value=0, max_value=4), min_size=1,
                                 max_size=5)), draw(st.integers(min_value=0, max_value=2)))
    every = [bloc.pk for bloc in ctx.blocs]
    targeted = set(draw(st.lists(st.sampled_from(every), unique=True)))
    item = _Candidate(Enrolment(), targeted=targeted,
                      attendance=set(draw(st.lists(st.sampled_from(list(Attendance)),
                                                   max_size=3))))
    finals = {c.pk: draw(levels) for bloc in ctx.blocs if bloc.pk in targeted
              for c in ctx.competences[bloc.pk]}
    met = {str(r.pk): {"met": draw(st.booleans())} for r in ctx.requirements}
    return ctx, item, finals, met


@given(candidates())
def test_every_candidate_gets_exactly_one_outcome_and_no_bloc_is_validated_unacquired(case):
    ctx, item, finals, met = case
    verdict = _verdict(ctx, item, finals, met)
    assert isinstance(verdict.outcome, Outcome)
    assert verdict.reason or verdict.outcome is Outcome.PARTIAL_SUCCESS
    for bloc_id, status, _reason in verdict.blocs:
        if status == BlocDecisionStatus.VALIDATED:
            competences = ctx.competences[bloc_id]
            assert competences
            assert all(finals[c.pk] is not None and is_acquired(finals[c.pk])
                       for c in competences)
    validated = {b for b, status, _r in verdict.blocs if status == BlocDecisionStatus.VALIDATED}
    if verdict.outcome is Outcome.FULL_SUCCESS:
        assert validated == {bloc.pk for bloc in ctx.blocs}
        assert all(value["met"] for value in met.values())
    if verdict.outcome is Outcome.PARTIAL_SUCCESS:
        assert validated
