"""Reads on juries and the scoring work, with the permission filter built in
(DESIGN.md §8): a jury member reaches only the sittings they are assigned to.

- ``scoring``: the scorer's sittings, assignments and scores, the scoring grid;
- ``jury``: the sessions a member presides, juries and their members,
  the composition summary;
- ``assignment``: assessments, sittings, the assignment matrix, declared conflicts
  (administrators);
- ``scores``: the members' levels side by side (administrators, the jury president);
- ``readiness``: each épreuve's scoring progress, and those not over or not fully
  scored, that hold signing up;
- the audit trail's reads live with its model: ``accounts.selectors_audit``."""

from juries.selectors.assignment import (
    AssignmentMatrix,
    MatrixCell,
    MatrixRow,
    assessment_consequences,
    assessment_get_for_user,
    assessment_list_for_user,
    assessment_sittings_for_user,
    assignment_matrix,
    conflict_list_for_user,
    session_modalities,
    sitting_list_for_reader,
    sitting_list_for_user,
)
from juries.selectors.jury import (
    CompositionSummary,
    jury_composition_summary,
    jury_for_session,
    jury_list_for_user,
    jury_member_list_for_user,
    jury_presided_by,
    jury_users_for_user,
    session_jury_members,
    sessions_presided_by,
)
from juries.selectors.readiness import (
    AssessmentProgress,
    AssessmentReadiness,
    UnscoredCandidate,
    session_cancelled_epreuves,
    session_scoring_progress,
    session_signing_blockers,
    signing_blockers_of,
)
from juries.selectors.scores import (
    CandidateLevels,
    CompetenceLevels,
    MemberLevel,
    SessionScores,
    session_get_for_score_reader,
    session_score_candidates,
    session_scores,
)
from juries.selectors.scoring import (
    GridBloc,
    GridCompetence,
    ScoringGrid,
    assignment_list_for_user,
    grid_for_scorer,
    member_for_user,
    score_list_for_user,
    sitting_competences,
    sitting_criteria,
    sitting_get_for_scorer,
    sittings_for_scorer,
    sittings_with_progress_for_scorer,
)

__all__ = [
    "AssessmentProgress",
    "AssessmentReadiness",
    "AssignmentMatrix",
    "CandidateLevels",
    "CompetenceLevels",
    "CompositionSummary",
    "GridBloc",
    "GridCompetence",
    "MatrixCell",
    "MatrixRow",
    "MemberLevel",
    "ScoringGrid",
    "SessionScores",
    "UnscoredCandidate",
    "assessment_consequences",
    "assessment_get_for_user",
    "assessment_list_for_user",
    "assessment_sittings_for_user",
    "assignment_list_for_user",
    "assignment_matrix",
    "conflict_list_for_user",
    "grid_for_scorer",
    "jury_composition_summary",
    "jury_for_session",
    "jury_list_for_user",
    "jury_member_list_for_user",
    "jury_presided_by",
    "jury_users_for_user",
    "member_for_user",
    "score_list_for_user",
    "session_cancelled_epreuves",
    "session_get_for_score_reader",
    "session_jury_members",
    "session_modalities",
    "session_score_candidates",
    "session_scores",
    "session_scoring_progress",
    "session_signing_blockers",
    "sessions_presided_by",
    "signing_blockers_of",
    "sitting_competences",
    "sitting_criteria",
    "sitting_get_for_scorer",
    "sitting_list_for_reader",
    "sitting_list_for_user",
    "sittings_for_scorer",
    "sittings_with_progress_for_scorer",
]
