-- Erasure that lets go, and photos that do not stay forever.
--
-- An erased rider's records move to an anonymous id (a negative users.id, never a Telegram
-- id): amounts still add up and street problems stay on record, but nothing links them to the
-- person. The ledger stays append-only in every other respect: an update may only move an
-- entry to such an id (and rewrite the idempotency key that named the old id).
DROP TRIGGER ledger_no_update ON ledger;
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
FOR EACH ROW
WHEN (NEW.id IS DISTINCT FROM OLD.id OR NEW.amount IS DISTINCT FROM OLD.amount
  OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.source_ref IS DISTINCT FROM OLD.source_ref
  OR NEW.actor_id IS DISTINCT FROM OLD.actor_id OR NEW.reason IS DISTINCT FROM OLD.reason
  OR NEW.at IS DISTINCT FROM OLD.at OR NEW.rider_id >= 0)
EXECUTE FUNCTION ledger_append_only();

-- A photo deleted after the retention period: the row says it existed, the file is gone.
ALTER TABLE report_photos ADD COLUMN removed_at TEXT COLLATE "C";

-- Photos stored for drafts not yet filed, per rider: released when the draft ends, bounded
-- per rider, swept when a draft was abandoned.
CREATE TABLE draft_photos (
    rider_id  BIGINT  NOT NULL,
    path      TEXT COLLATE "C" NOT NULL,
    stored_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (rider_id, path)
);
CREATE INDEX draft_photos_stored ON draft_photos (stored_at);
