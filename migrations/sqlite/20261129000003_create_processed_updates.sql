-- Each handled Telegram update_id, so a re-delivered update has no second effect.
-- Only ids and times are kept, never the update itself (it carries names and phone numbers).
CREATE TABLE processed_updates (
    update_id   INTEGER PRIMARY KEY,
    handled_at  TEXT    NOT NULL
);
CREATE INDEX processed_updates_handled_at ON processed_updates (handled_at);
