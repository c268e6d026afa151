"""On PostgreSQL, the database itself keeps a signed deliberation read-only.

- scores and criteria checks of a sitting locked at signing cannot be written, changed
  or deleted;
- decisions (candidate, compétence, bloc) and the deliberation row of a signed
  deliberation cannot change or be deleted, except inside an amendment: the service
  ``amendment_record`` turns the transaction-local setting ``certassess.amendment`` on
  for its own writes, and nothing else does.

TRUNCATE is left alone (test databases are flushed with it).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION certassess_amending() RETURNS boolean AS $$
    SELECT coalesce(current_setting('certassess.amendment', true), '') = 'on';
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION certassess_locked_score() RETURNS trigger AS $$
DECLARE
    row_sitting bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN row_sitting := OLD.sitting_id; ELSE row_sitting := NEW.sitting_id; END IF;
    IF EXISTS (SELECT 1 FROM assessments_sitting WHERE id = row_sitting AND locked_at IS NOT NULL)
       OR (TG_OP = 'UPDATE' AND EXISTS (
           SELECT 1 FROM assessments_sitting WHERE id = OLD.sitting_id AND locked_at IS NOT NULL))
    THEN
        RAISE EXCEPTION 'the deliberation is signed: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION certassess_locked_decision() RETURNS trigger AS $$
DECLARE
    signed boolean;
BEGIN
    IF certassess_amending() THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'juries_deliberation' THEN
        signed := OLD.status = 'signed';
    ELSIF TG_TABLE_NAME = 'juries_candidatedecision' THEN
        SELECT d.status = 'signed' INTO signed FROM juries_deliberation d
            WHERE d.id = OLD.deliberation_id;
    ELSE
        SELECT d.status = 'signed' INTO signed FROM juries_deliberation d
            JOIN juries_candidatedecision c ON c.deliberation_id = d.id
            WHERE c.id = OLD.candidate_decision_id;
    END IF;
    IF coalesce(signed, false) THEN
        RAISE EXCEPTION 'the deliberation is signed: % on % refused outside an amendment',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER assessments_score_locked BEFORE INSERT OR UPDATE OR DELETE
    ON assessments_score FOR EACH ROW EXECUTE FUNCTION certassess_locked_score();
CREATE TRIGGER assessments_criterioncheck_locked BEFORE INSERT OR UPDATE OR DELETE
    ON assessments_criterioncheck FOR EACH ROW EXECUTE FUNCTION certassess_locked_score();
CREATE TRIGGER juries_deliberation_locked BEFORE UPDATE OR DELETE
    ON juries_deliberation FOR EACH ROW EXECUTE FUNCTION certassess_locked_decision();
CREATE TRIGGER juries_candidatedecision_locked BEFORE UPDATE OR DELETE
    ON juries_candidatedecision FOR EACH ROW EXECUTE FUNCTION certassess_locked_decision();
CREATE TRIGGER juries_competencedecision_locked BEFORE UPDATE OR DELETE
    ON juries_competencedecision FOR EACH ROW EXECUTE FUNCTION certassess_locked_decision();
CREATE TRIGGER juries_blocdecision_locked BEFORE UPDATE OR DELETE
    ON juries_blocdecision FOR EACH ROW EXECUTE FUNCTION certassess_locked_decision();
"""
DROP = """
DROP TRIGGER IF EXISTS assessments_score_locked ON assessments_score;
DROP TRIGGER IF EXISTS assessments_criterioncheck_locked ON assessments_criterioncheck;
DROP TRIGGER IF EXISTS juries_deliberation_locked ON juries_deliberation;
DROP TRIGGER IF EXISTS juries_candidatedecision_locked ON juries_candidatedecision;
DROP TRIGGER IF EXISTS juries_competencedecision_locked ON juries_competencedecision;
DROP TRIGGER IF EXISTS juries_blocdecision_locked ON juries_blocdecision;
DROP FUNCTION IF EXISTS certassess_locked_decision();
DROP FUNCTION IF EXISTS certassess_locked_score();
DROP FUNCTION IF EXISTS certassess_amending();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("juries", "0002_deliberation"), ("assessments", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
