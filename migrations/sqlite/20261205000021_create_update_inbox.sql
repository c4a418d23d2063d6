-- Updates that arrive by webhook: recorded here before Telegram is answered, then handled from
-- here by whichever instance holds the row's lease. The update's JSON (it carries names and
-- phone numbers) is kept only until the update is handled; the row (ids, times, outcome) is
-- kept a day more so a re-delivery is recognised, then pruned with processed_updates.
CREATE TABLE update_inbox (
    update_id    INTEGER PRIMARY KEY,
    chat_id      INTEGER,               -- whose updates are handled in order (NULL: no chat)
    body         TEXT,                  -- the update as Telegram sent it; NULL once handled
    received_at  TEXT    NOT NULL,
    lease_owner  TEXT,                  -- the instance handling it now
    lease_until  TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    handled_at   TEXT,
    outcome      TEXT    CHECK (outcome IN ('handled', 'unknown')),
    CHECK ((handled_at IS NULL) = (outcome IS NULL)),
    CHECK (handled_at IS NOT NULL OR body IS NOT NULL)
);
CREATE INDEX update_inbox_waiting ON update_inbox (chat_id, update_id) WHERE handled_at IS NULL;
CREATE INDEX update_inbox_handled ON update_inbox (handled_at) WHERE handled_at IS NOT NULL;
