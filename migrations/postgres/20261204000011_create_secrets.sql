-- Secrets the bot makes for itself when the configuration gives none, kept so that they
-- survive restarts: `checkin` signs the per-session check-in codes (unless CHECKIN_SECRET is
-- set). Written once, in the transaction that finds it absent, so two starts agree.
CREATE TABLE secrets (
    name       TEXT COLLATE "C" PRIMARY KEY,
    value      TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
