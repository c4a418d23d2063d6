-- The order of a session's line is the order in which sign-ups were accepted: a number taken
-- inside the write transaction that accepts them (one after the session's highest), not a time
-- read before it, so a place told to a rider is true when told and only ever moves up.
-- (PostgreSQL has no rowid: rows sharing a time are ordered by rider. A PostgreSQL database
-- starts at migration 1, so this finds no rows to number.)
ALTER TABLE signups ADD COLUMN queued BIGINT;
UPDATE signups SET queued = (
    SELECT COUNT(*) FROM signups s
    WHERE s.session = signups.session
      AND (s.created_at < signups.created_at
           OR (s.created_at = signups.created_at AND s.rider_id <= signups.rider_id)));
CREATE INDEX signups_line ON signups (session, status, queued);
