"""Writes on assessments and their results. Keyword-only, typed, transactional.

Who may score whom is checked above (juries); these services check what a score is:
a compétence of the épreuve, a level of the scale, a comment where the scale asks one,
an open sitting, and the version the writer saw (a stale write is refused).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import may_manage_session, may_open_assessment_early, require
from accounts.services import audit_log
from assessments.models import Assessment, Attendance, CriterionCheck, Score, Sitting
from assessments.timing import extra_minutes
from candidates.models import Enrolment, Session
from candidates.services import session_lock_for_write, session_row_lock
from certifications.models import Competence, Criterion, Level, Modality, Referentiel


class StaleWriteError(Exception):
    """Someone saved this cell since the writer loaded it; nothing was overwritten."""

    def __init__(self, current: Score | CriterionCheck | Sitting | None) -> None:
        self.current = current
        super().__init__("stale write")


class ScoringClosedError(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            _("The deliberation is signed: scores of this candidate can no longer change."),
            code="locked",
        )


class ScoringNotOpenError(ValidationError):
    """The épreuve has not taken place yet (and was not opened early)."""

    def __init__(self, assessment: Assessment) -> None:
        super().__init__(
            _("This assessment takes place on %(date)s: it cannot be scored before that date "
              "unless an administrator opens it early.")
            % {"date": date_format(assessment.local_date, "DATE_FORMAT")},
            code="not_yet_open",
        )


class AssessmentCancelledError(ValidationError):
    def __init__(self) -> None:
        super().__init__(_("This assessment is cancelled: it can no longer be scored or "
                           "changed."), code="cancelled")


def _require_scoring_open(sitting: Sitting) -> None:
    if sitting.assessment.cancelled_at is not None:
        raise AssessmentCancelledError
    if not sitting.assessment.scoring_open():
        raise ScoringNotOpenError(sitting.assessment)


@transaction.atomic
def assessment_open_early(*, assessment: Assessment, by: User, reason: str = "",
                          ip_address: str | None = None) -> Assessment:
    """Open an épreuve to scoring before its date, recorded in the audit trail (who,
    when, the reason). Opening one already open changes
    nothing; anyone but an administrator is refused (PermissionDenied)."""
    require(may_open_assessment_early(by))
    if assessment.opened_early_at is not None:
        return assessment
    now = timezone.now()
    changed = Assessment.objects.filter(pk=assessment.pk, opened_early_at__isnull=True).update(
        opened_early_at=now, opened_early_by=by)
    if changed != 1:
        assessment.refresh_from_db(fields=["opened_early_at", "opened_early_by"])
        return assessment
    assessment.opened_early_at, assessment.opened_early_by = now, by
    audit_log(actor=by, action="assessment.opened_early", obj=assessment,
              old={"opened_early_at": None},
              new={"opened_early_at": now.isoformat(), "reason": reason.strip()},
              context={"session": str(assessment.session.public_id),
                       "assessment": str(assessment.public_id),
                       "date": assessment.local_date.isoformat()},
              ip_address=ip_address)
    return assessment


def _context(sitting: Sitting) -> dict[str, str]:
    return {
        "session": str(sitting.assessment.session.public_id),
        "assessment": str(sitting.assessment.public_id),
        "candidate": str(sitting.enrolment.candidate.public_id),
        "sitting": str(sitting.public_id),
    }


@transaction.atomic
def assessment_create(
    *,
    session: Session,
    modality: Modality,
    starts_at: datetime,
    place: str = "",
    enrolments: Iterable[Enrolment] = (),
    teams: dict[int, str] | None = None,
    created_by: User | None = None,
) -> Assessment:
    """Schedule an épreuve for a session with its candidates (``teams`` maps an
    enrolment id to its team name for a team épreuve). Refused once the session is
    signed."""
    session_lock_for_write(session_id=session.pk)
    if modality.referentiel_id != session.referentiel_id:
        raise ValidationError(
            _("This assessment method is not in the framework version of the session."),
            code="foreign_modality",
        )
    enrolments = list(enrolments)
    foreign = [e for e in enrolments if e.session_id != session.pk]
    if foreign:
        raise ValidationError(_("Some candidates are not enrolled in this session."),
                              code="foreign_enrolment")
    assessment = Assessment.objects.create(
        session=session, modality=modality, starts_at=starts_at, place=place.strip()
    )
    Sitting.objects.bulk_create(
        Sitting(assessment=assessment, enrolment=e, team=(teams or {}).get(e.pk, ""))
        for e in enrolments
    )
    audit_log(actor=created_by, action="assessment.created", obj=assessment,
              new={"modality": modality.pk, "starts_at": starts_at.isoformat(), "place": place,
                   "candidates": len(enrolments)},
              context={"session": str(session.public_id)})
    return assessment


@dataclass(frozen=True)
class _CellRules:
    comment_required: bool


def _check_cell(sitting: Sitting, competence: Competence, level: int | None) -> _CellRules:
    """One query: the compétence is evaluated by the épreuve, and the level is on the
    scale of the version (with whether it needs a comment)."""
    levels = Level.objects.filter(
        scale_id=sitting.assessment.session.referentiel.scale_id, number=level or 0
    )
    row = (
        Competence.objects.filter(pk=competence.pk, modalities=sitting.assessment.modality_id)
        .annotate(
            level_found=Subquery(levels.values("number")[:1]),
            comment_required=Subquery(levels.values("comment_required")[:1]),
        )
        .values("level_found", "comment_required")
        .first()
    )
    if row is None:
        raise ValidationError(_("This compétence is not evaluated by this épreuve."),
                              code="foreign_competence")
    if level is not None and row["level_found"] is None:
        raise ValidationError(_("Level %(level)s is not on the scale.") % {"level": level},
                              code="level")
    return _CellRules(comment_required=bool(row["comment_required"]))


def score_record(
    *,
    scorer: User,
    sitting: Sitting,
    competence: Competence,
    level: int | None,
    comment: str = "",
    expected_version: int = 0,
    ip_address: str | None = None,
) -> Score:
    """Record one scorer's level and comment for one compétence of one sitting.

    ``expected_version`` is the version the scorer saw (0: no score yet). A different
    current version raises StaleWriteError and writes nothing; before the épreuve's date
    (site's timezone) ScoringNotOpenError, unless opened early. ``sitting`` must come
    with ``assessment__session__referentiel`` and ``enrolment__candidate`` selected.
    At most five queries.
    """
    _require_scoring_open(sitting)
    with transaction.atomic():
        _lock_open_sitting(sitting)
        return _score_write(scorer, sitting, competence, level, comment, expected_version,
                            ip_address)


def _lock_open_sitting(sitting: Sitting) -> None:
    """Inside the writing transaction: take the session's lock and refuse if its
    deliberation is signed (as committed, not as the caller loaded the sitting)."""
    if session_row_lock(session_id=sitting.assessment.session_id):
        raise ScoringClosedError


def _score_write(scorer: User, sitting: Sitting, competence: Competence, level: int | None,
                 comment: str, expected_version: int, ip_address: str | None) -> Score:
    comment = comment.strip()
    rules = _check_cell(sitting, competence, level)
    if level is not None and rules.comment_required and not comment:
        raise ValidationError(
            _("Level %(level)s needs a comment that describes the gaps (écarts).")
            % {"level": level}, code="comment_required",
        )
    existing = Score.objects.filter(sitting=sitting, competence=competence, scorer=scorer).first()
    current = existing.version if existing else 0
    if current != expected_version:
        raise StaleWriteError(existing)
    if existing is not None:
        return _score_update(existing, scorer, level, comment, ip_address, sitting)
    try:
        with transaction.atomic():
            score = Score.objects.create(sitting=sitting, competence=competence, scorer=scorer,
                                         level=level, comment=comment)
            _audit_score(score, scorer, None, ip_address, sitting)
            # The first score makes the référentiel version read-only (a version once
            # locked stays so: the loaded one is enough to skip the statement).
            if sitting.assessment.session.referentiel.locked_at is None:
                Referentiel.objects.filter(
                    pk=sitting.assessment.session.referentiel_id, locked_at__isnull=True
                ).update(locked_at=timezone.now())
    except IntegrityError:  # the same cell created meanwhile (another tab)
        raise StaleWriteError(
            Score.objects.filter(sitting=sitting, competence=competence, scorer=scorer).first()
        ) from None
    return score


def _score_update(score: Score, scorer: User, level: int | None, comment: str,
                  ip_address: str | None, sitting: Sitting) -> Score:
    old = {"level": score.level, "comment": score.comment, "version": score.version}
    with transaction.atomic():
        changed = Score.objects.filter(pk=score.pk, version=score.version).update(
            level=level, comment=comment, version=F("version") + 1, updated_at=timezone.now()
        )
        if changed != 1:
            raise StaleWriteError(Score.objects.filter(pk=score.pk).first())
        score.level, score.comment, score.version = level, comment, score.version + 1
        _audit_score(score, scorer, old, ip_address, sitting)
    return score


def _audit_score(score: Score, scorer: User, old: dict | None, ip_address: str | None,
                 sitting: Sitting) -> None:
    audit_log(
        actor=scorer, action="score.recorded", obj=score, old=old,
        new={"competence": score.competence_id, "level": score.level, "comment": score.comment,
             "version": score.version},
        context=_context(sitting), ip_address=ip_address,
    )


def criterion_check_record(
    *,
    scorer: User,
    sitting: Sitting,
    criterion: Criterion,
    observed: bool | None,
    note: str = "",
    expected_version: int = 0,
    ip_address: str | None = None,
) -> CriterionCheck:
    """Record whether a scorer observed a criterion; same version rule as scores."""
    _require_scoring_open(sitting)
    with transaction.atomic():
        _lock_open_sitting(sitting)
        return _criterion_check_write(scorer, sitting, criterion, observed, note,
                                      expected_version, ip_address)


def _criterion_check_write(scorer: User, sitting: Sitting, criterion: Criterion,
                           observed: bool | None, note: str, expected_version: int,
                           ip_address: str | None) -> CriterionCheck:
    if criterion.bloc.referentiel_id != sitting.assessment.session.referentiel_id or (
        criterion.modality_id not in (None, sitting.assessment.modality_id)
    ):
        raise ValidationError(_("This criterion is not checked in this épreuve."),
                              code="foreign_criterion")
    note = note.strip()
    existing = CriterionCheck.objects.filter(
        sitting=sitting, criterion=criterion, scorer=scorer
    ).first()
    if (existing.version if existing else 0) != expected_version:
        raise StaleWriteError(existing)
    try:
        with transaction.atomic():
            if existing is None:
                check = CriterionCheck.objects.create(
                    sitting=sitting, criterion=criterion, scorer=scorer, observed=observed,
                    note=note)
                old = None
            else:
                old = {"observed": existing.observed, "note": existing.note}
                changed = CriterionCheck.objects.filter(
                    pk=existing.pk, version=existing.version
                ).update(observed=observed, note=note, version=F("version") + 1,
                         updated_at=timezone.now())
                if changed != 1:
                    raise StaleWriteError(CriterionCheck.objects.filter(pk=existing.pk).first())
                check = existing
                check.observed, check.note, check.version = observed, note, existing.version + 1
            audit_log(actor=scorer, action="criterion_check.recorded", obj=check, old=old,
                      new={"criterion": criterion.pk, "observed": observed, "note": note},
                      context=_context(sitting), ip_address=ip_address)
    except IntegrityError:
        raise StaleWriteError(None) from None
    return check


def attendance_mark(
    *,
    sitting: Sitting,
    attendance: Attendance,
    marked_by: User,
    expected_version: int,
    ip_address: str | None = None,
) -> Sitting:
    """Mark a candidate present, absent or excused for an épreuve."""
    old = sitting.attendance
    with transaction.atomic():
        _lock_open_sitting(sitting)
        changed = Sitting.objects.filter(
            pk=sitting.pk, attendance_version=expected_version
        ).update(attendance=attendance, attendance_version=F("attendance_version") + 1)
        if changed != 1:
            raise StaleWriteError(Sitting.objects.filter(pk=sitting.pk).first())
        sitting.attendance = attendance
        sitting.attendance_version = expected_version + 1
        audit_log(actor=marked_by, action="attendance.marked", obj=sitting,
                  old={"attendance": old}, new={"attendance": attendance},
                  context=_context(sitting), ip_address=ip_address)
    return sitting


# -- editing, moving, cancelling, deleting an épreuve; the candidates' time slots ----------
# Every change takes the session's lock first (nothing changes once its deliberation is
# signed: SessionLockedError), is recorded in the audit trail, and is refused on a
# cancelled épreuve (it stays as it was, shown as cancelled) — except deleting it.


def assessment_has_scores(*, assessment: Assessment) -> bool:
    """A level, a comment or a criterion check was recorded for a candidate of it."""
    return (Score.objects.filter(sitting__assessment=assessment).exists()
            or CriterionCheck.objects.filter(sitting__assessment=assessment).exists())


def _sitting_has_scores(sitting: Sitting) -> bool:
    return (Score.objects.filter(sitting=sitting).exists()
            or CriterionCheck.objects.filter(sitting=sitting).exists())


def _assessment_context(assessment: Assessment) -> dict[str, str]:
    return {"session": str(assessment.session.public_id),
            "assessment": str(assessment.public_id)}


def _fresh_for_write(assessment: Assessment, by: User) -> Assessment:
    """Inside the transaction: the caller may manage the session, its lock is taken (a
    signed session is refused), and the épreuve as committed (not as loaded)."""
    require(may_manage_session(by, assessment.session))
    session_lock_for_write(session_id=assessment.session_id)
    return Assessment.objects.select_related("session", "modality").get(pk=assessment.pk)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@transaction.atomic
def assessment_update(
    *,
    assessment: Assessment,
    by: User,
    modality: Modality,
    starts_at: datetime,
    place: str = "",
    instructions: str = "",
    ip_address: str | None = None,
) -> Assessment:
    """Change an épreuve's modality, date and time, place, instructions to candidates.

    Moving it (a new date or time) moves every candidate's own time slot by the same
    amount. Once a score is recorded for one of its candidates, the modality can no longer
    change, and the épreuve has taken place: its date may only be corrected to a time
    already past (moving it into the future would put recorded scores before the
    épreuve). Errors are by field (``ValidationError`` with a dict)."""
    current = _fresh_for_write(assessment, by)
    if current.cancelled_at is not None:
        raise AssessmentCancelledError
    if modality.referentiel_id != current.session.referentiel_id:
        raise ValidationError({"modality": _(
            "This assessment method is not in the framework version of the session.")},
            code="foreign_modality")
    scored = assessment_has_scores(assessment=current)
    errors: dict[str, str] = {}
    if scored and modality.pk != current.modality_id:
        errors["modality"] = _("Candidates of this assessment are already scored: its "
                               "assessment method can no longer change.")
    if scored and starts_at != current.starts_at and starts_at > timezone.now():
        errors["starts_at"] = _("Candidates of this assessment are already scored: it took "
                                "place, and its date can only be corrected to a past date "
                                "and time.")
    if errors:
        raise ValidationError(errors, code="scored")
    place, instructions = place.strip(), instructions.strip()
    before = {"modality": current.modality_id, "starts_at": _iso(current.starts_at),
              "place": current.place, "instructions": current.instructions}
    after = {"modality": modality.pk, "starts_at": _iso(starts_at), "place": place,
             "instructions": instructions}
    changed = [key for key in before if before[key] != after[key]]
    if not changed:
        return current
    shift = starts_at - current.starts_at
    moved = 0
    if shift:
        moved = Sitting.objects.filter(assessment=current, starts_at__isnull=False).update(
            starts_at=F("starts_at") + shift)
    Assessment.objects.filter(pk=current.pk).update(
        modality=modality, starts_at=starts_at, place=place, instructions=instructions)
    for instance in (current, assessment):
        instance.modality, instance.starts_at = modality, starts_at
        instance.place, instance.instructions = place, instructions
    context = _assessment_context(current)
    if moved:
        context["slots_moved"] = str(moved)
    audit_log(actor=by, action="assessment.moved" if shift else "assessment.updated",
              obj=current, old={key: before[key] for key in changed},
              new={key: after[key] for key in changed}, context=context,
              ip_address=ip_address)
    return current


@transaction.atomic
def assessment_cancel(
    *, assessment: Assessment, by: User, reason: str, ip_address: str | None = None
) -> Assessment:
    """Cancel an épreuve: it is kept, shown as cancelled, no longer scored, no longer
    listed to its candidates, and no longer holds the signing up. Refused once a score is
    recorded (the épreuve took place) or the session signed. Cancelling one already
    cancelled changes nothing."""
    current = _fresh_for_write(assessment, by)
    if current.cancelled_at is not None:
        return current
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the assessment is cancelled.")},
                              code="reason")
    if assessment_has_scores(assessment=current):
        raise ValidationError(_("Candidates of this assessment are already scored: it took "
                                "place and cannot be cancelled."), code="scored")
    now = timezone.now()
    Assessment.objects.filter(pk=current.pk).update(
        cancelled_at=now, cancelled_by=by, cancel_reason=reason)
    for instance in (current, assessment):
        instance.cancelled_at, instance.cancelled_by = now, by
        instance.cancel_reason = reason
    audit_log(actor=by, action="assessment.cancelled", obj=current,
              old={"cancelled_at": None},
              new={"cancelled_at": now.isoformat(), "reason": reason},
              context=_assessment_context(current), ip_address=ip_address)
    return current


@transaction.atomic
def assessment_delete(*, assessment: Assessment, by: User, ip_address: str | None = None
                      ) -> None:
    """Delete an épreuve scheduled by mistake, with its candidates' places and the jury
    members' assignments to them. Refused once a score is recorded (then cancel it) or the
    session signed."""
    current = _fresh_for_write(assessment, by)
    if assessment_has_scores(assessment=current):
        raise ValidationError(_("Candidates of this assessment are already scored: it "
                                "cannot be deleted (cancel it instead, if it did not take "
                                "place)."), code="scored")
    sittings = current.sittings.count()
    audit_log(actor=by, action="assessment.deleted", obj=current,
              old={"modality": current.modality_id, "starts_at": _iso(current.starts_at),
                   "place": current.place, "candidates": sittings,
                   "cancelled_at": _iso(current.cancelled_at)},
              context=_assessment_context(current), ip_address=ip_address)
    current.delete()


@transaction.atomic
def sitting_slot_set(
    *, sitting: Sitting, starts_at: datetime | None, by: User, ip_address: str | None = None
) -> Sitting:
    """Give one candidate their own start time (None: back to the épreuve's time).
    Refused for a candidate already scored (their slot is what happened)."""
    assessment = _fresh_for_write(sitting.assessment, by)
    if assessment.cancelled_at is not None:
        raise AssessmentCancelledError
    old = Sitting.objects.values_list("starts_at", flat=True).get(pk=sitting.pk)
    if old == starts_at:
        return sitting
    if _sitting_has_scores(sitting):
        raise ValidationError({"starts_at": _(
            "This candidate is already scored: their time slot can no longer change.")},
            code="scored")
    Sitting.objects.filter(pk=sitting.pk).update(starts_at=starts_at)
    sitting.starts_at = starts_at
    audit_log(actor=by, action="sitting.slot_set", obj=sitting,
              old={"starts_at": _iso(old)}, new={"starts_at": _iso(starts_at)},
              context={**_assessment_context(assessment),
                       "candidate": str(sitting.enrolment.candidate.public_id),
                       "sitting": str(sitting.public_id)},
              ip_address=ip_address)
    return sitting


@transaction.atomic
def assessment_slots_distribute(
    *, assessment: Assessment, by: User, pause_minutes: int = 0,
    ip_address: str | None = None,
) -> list[Sitting]:
    """Give every candidate a time slot, one after the other from the épreuve's start:
    each slot lasts the modality's duration plus that candidate's extra time, then
    ``pause_minutes`` before the next (a team shares one slot, as long as its longest
    member's). Candidates in the order of the assignment page (team, name). Refused
    without a duration in the référentiel, once a candidate is scored, on a cancelled
    épreuve."""
    current = _fresh_for_write(assessment, by)
    if current.cancelled_at is not None:
        raise AssessmentCancelledError
    minutes = current.modality.duration_minutes
    if not minutes:
        raise ValidationError(_("The framework gives no duration for this assessment "
                                "method: set each candidate's time slot one by one."),
                              code="no_duration")
    if pause_minutes < 0:
        raise ValidationError({"pause_minutes": _("The break cannot be negative.")},
                              code="pause")
    if assessment_has_scores(assessment=current):
        raise ValidationError(_("Candidates of this assessment are already scored: their "
                                "time slots can no longer be redistributed."),
                              code="scored")
    sittings = list(
        Sitting.objects.filter(assessment=current).select_related("enrolment__candidate")
        .order_by("team", "enrolment__candidate__birth_name",
                  "enrolment__candidate__first_names", "pk"))
    groups: list[list[Sitting]] = []
    for sitting in sittings:
        if current.modality.team and sitting.team and groups and groups[-1][0].team == sitting.team:
            groups[-1].append(sitting)
        else:
            groups.append([sitting])
    cursor = current.starts_at
    old = {str(s.public_id): _iso(s.starts_at) for s in sittings}
    for group in groups:
        length = max(minutes + extra_minutes(minutes, s.enrolment.extra_time_percent)
                     for s in group)
        for sitting in group:
            sitting.starts_at = cursor
        cursor += timedelta(minutes=length + pause_minutes)
    Sitting.objects.bulk_update(sittings, ["starts_at"])
    audit_log(actor=by, action="assessment.slots_distributed", obj=current, old=old,
              new={str(s.public_id): _iso(s.starts_at) for s in sittings},
              context={**_assessment_context(current), "pause_minutes": str(pause_minutes)},
              ip_address=ip_address)
    return sittings
