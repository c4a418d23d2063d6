-- The order of a session's line is the order in which sign-ups were accepted: a number taken
-- inside the write transaction that accepts them (one after the session's highest), not a time
-- read before it, so a place told to a rider is true when told and only ever moves up.
ALTER TABLE signups ADD COLUMN queued INTEGER;
UPDATE signups SET queued = (
    SELECT COUNT(*) FROM signups s
    WHERE s.session = signups.session
      AND (s.created_at < signups.created_at
           OR (s.created_at = signups.created_at AND s.rowid <= signups.rowid)));
CREATE INDEX signups_line ON signups (session, status, queued);
