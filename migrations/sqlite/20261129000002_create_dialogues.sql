-- One dialogue state per chat (teloxide's Storage, on the project's own pool).
-- `state` is the serde JSON of `bot::dialogue::State`; `updated_at` drives the idle timeout.
CREATE TABLE dialogues (
    chat_id     INTEGER PRIMARY KEY,
    state       TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
