-- Secrets the bot makes for itself when the configuration gives none, kept so that they
-- survive restarts: `checkin` signs the per-session check-in codes (unless CHECKIN_SECRET is
-- set). Written once, in the transaction that finds it absent, so two starts agree.
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
);
