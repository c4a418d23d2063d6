-- Erasure that lets go, and photos that do not stay forever.
--
-- An erased rider's records move to an anonymous id (a negative users.id, never a Telegram
-- id): amounts still add up and street problems stay on record, but nothing links them to the
-- person. The ledger stays append-only in every other respect: an update may only move an
-- entry to such an id (and rewrite the idempotency key that named the old id).
DROP TRIGGER ledger_no_update;
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
WHEN NEW.id IS NOT OLD.id OR NEW.amount IS NOT OLD.amount OR NEW.kind IS NOT OLD.kind
  OR NEW.source_ref IS NOT OLD.source_ref OR NEW.actor_id IS NOT OLD.actor_id
  OR NEW.reason IS NOT OLD.reason OR NEW.at IS NOT OLD.at OR NEW.rider_id >= 0
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

-- A photo deleted after the retention period: the row says it existed, the file is gone.
ALTER TABLE report_photos ADD COLUMN removed_at TEXT;

-- Photos stored for drafts not yet filed, per rider: released when the draft ends, bounded
-- per rider, swept when a draft was abandoned.
CREATE TABLE draft_photos (
    rider_id  INTEGER NOT NULL,
    path      TEXT    NOT NULL,
    stored_at TEXT    NOT NULL,
    PRIMARY KEY (rider_id, path)
);
CREATE INDEX draft_photos_stored ON draft_photos (stored_at);
