-- Every coordinator (and configuration) action: who, what, to whom, when.
-- actor_id is NULL for actions taken by configuration at start-up (COORDINATOR_IDS).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id    INTEGER,
    action      TEXT    NOT NULL,
    target_id   INTEGER,
    detail      TEXT,
    at          TEXT    NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target_id);
