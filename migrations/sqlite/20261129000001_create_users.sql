-- People the bot knows: riders, grid officers and coordinators, keyed by Telegram user id.
-- Personal data (name, phone, username) is erased on /deletemydata; the row stays, anonymised,
-- so ledger totals and audit entries keep pointing at something.
CREATE TABLE users (
    id               INTEGER PRIMARY KEY,             -- Telegram user id
    status           TEXT    NOT NULL DEFAULT 'new'
                     CHECK (status IN ('new', 'registered', 'deleted')),
    role             TEXT    NOT NULL DEFAULT 'rider'
                     CHECK (role IN ('rider', 'grid_officer', 'coordinator')),
    lang             TEXT    NOT NULL DEFAULT 'zh-CN' CHECK (lang IN ('zh-CN', 'en')),
    name             TEXT,
    platform         TEXT,
    phone            TEXT,
    username         TEXT,                            -- lower-case, without '@', for /appoint @name
    consent_version  INTEGER,                         -- privacy notice version accepted
    consent_at       TEXT,
    registered_at    TEXT,
    deleted_at       TEXT,
    blocked_at       TEXT,                            -- the user blocked the bot (my_chat_member)
    pending_payload  TEXT,                            -- a /start deep-link payload kept through onboarding
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username) WHERE username IS NOT NULL;
CREATE INDEX users_role ON users (role);
