"""On PostgreSQL, the last wall behind ``candidates.services.session_lock_for_write``: once
a session's deliberation is signed (``candidates_session.signed_at``), the database
refuses new or changed épreuves, sittings, assignments, jury members and enrolments of it,
and changes to the session's own facts (name, dates, place, version, signature). Allowed:
publishing the results, and what changes no signed fact (an enrolment's invitation date,
an erasure of personal data). TRUNCATE is left alone (test databases are flushed with it).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION certassess_session_signed(session bigint) RETURNS boolean AS $$
    SELECT EXISTS (SELECT 1 FROM candidates_session WHERE id = session
                   AND signed_at IS NOT NULL);
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION certassess_signed_session_row() RETURNS trigger AS $$
DECLARE
    changed record;
    session bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
    IF TG_TABLE_NAME IN ('assessments_assessment', 'candidates_enrolment', 'juries_jury') THEN
        session := changed.session_id;
    ELSIF TG_TABLE_NAME = 'assessments_sitting' THEN
        SELECT a.session_id INTO session FROM assessments_assessment a
            WHERE a.id = changed.assessment_id;
    ELSIF TG_TABLE_NAME = 'juries_assignment' THEN
        SELECT a.session_id INTO session FROM assessments_sitting s
            JOIN assessments_assessment a ON a.id = s.assessment_id
            WHERE s.id = changed.sitting_id;
    ELSIF TG_TABLE_NAME = 'juries_jury_members' THEN
        SELECT j.session_id INTO session FROM juries_jury j WHERE j.id = changed.jury_id;
    END IF;
    IF certassess_session_signed(session) THEN
        RAISE EXCEPTION 'the deliberation is signed: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION certassess_signed_session() RETURNS trigger AS $$
BEGIN
    IF OLD.signed_at IS NOT NULL AND (
        (NEW.referentiel_id, NEW.name, NEW.place, NEW.starts_on, NEW.ends_on, NEW.signed_at)
        IS DISTINCT FROM
        (OLD.referentiel_id, OLD.name, OLD.place, OLD.starts_on, OLD.ends_on, OLD.signed_at))
    THEN
        RAISE EXCEPTION 'the deliberation is signed: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER assessments_assessment_signed BEFORE INSERT OR UPDATE OR DELETE
    ON assessments_assessment FOR EACH ROW EXECUTE FUNCTION certassess_signed_session_row();
CREATE TRIGGER assessments_sitting_signed BEFORE INSERT OR UPDATE OR DELETE
    ON assessments_sitting FOR EACH ROW EXECUTE FUNCTION certassess_signed_session_row();
CREATE TRIGGER juries_assignment_signed BEFORE INSERT OR UPDATE OR DELETE
    ON juries_assignment FOR EACH ROW EXECUTE FUNCTION certassess_signed_session_row();
CREATE TRIGGER juries_jury_signed BEFORE INSERT OR UPDATE OR DELETE
    ON juries_jury FOR EACH ROW EXECUTE FUNCTION certassess_signed_session_row();
CREATE TRIGGER juries_jury_members_signed BEFORE INSERT OR UPDATE OR DELETE
    ON juries_jury_members FOR EACH ROW EXECUTE FUNCTION certassess_signed_session_row();
CREATE TRIGGER candidates_enrolment_signed BEFORE INSERT
    ON candidates_enrolment FOR EACH ROW EXECUTE FUNCTION certassess_signed_session_row();
CREATE TRIGGER candidates_session_signed BEFORE UPDATE
    ON candidates_session FOR EACH ROW EXECUTE FUNCTION certassess_signed_session();
"""
DROP = """
DROP TRIGGER IF EXISTS assessments_assessment_signed ON assessments_assessment;
DROP TRIGGER IF EXISTS assessments_sitting_signed ON assessments_sitting;
DROP TRIGGER IF EXISTS juries_assignment_signed ON juries_assignment;
DROP TRIGGER IF EXISTS juries_jury_signed ON juries_jury;
DROP TRIGGER IF EXISTS juries_jury_members_signed ON juries_jury_members;
DROP TRIGGER IF EXISTS candidates_enrolment_signed ON candidates_enrolment;
DROP TRIGGER IF EXISTS candidates_session_signed ON candidates_session;
DROP FUNCTION IF EXISTS certassess_signed_session();
DROP FUNCTION IF EXISTS certassess_signed_session_row();
DROP FUNCTION IF EXISTS certassess_session_signed(bigint);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("juries", "0005_proposal_version"), ("assessments", "0001_initial"),
                    ("candidates", "0006_session_signed_at")]

    operations = [migrations.RunPython(forwards, backwards)]
