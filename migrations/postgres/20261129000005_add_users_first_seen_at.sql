-- When the user first wrote to the bot. NULL for a coordinator made from COORDINATOR_IDS who has
-- not written yet: their language is taken from Telegram at that first update.
ALTER TABLE users ADD COLUMN first_seen_at TEXT COLLATE "C";
UPDATE users SET first_seen_at = created_at;
UPDATE users SET first_seen_at = NULL WHERE role = 'coordinator' AND status = 'new';
