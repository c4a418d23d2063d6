-- The points passbook. `ledger` is append-only (triggers refuse UPDATE and DELETE): a rider's
-- balance is the sum of their entries, and a correction is a new entry. `idem_key` makes each
-- cause pay at most once. `balances` caches the sum: a trigger adds every entry to it inside the
-- INSERT statement itself, and its CHECK aborts any entry that would take a balance below zero.
CREATE TABLE ledger (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    rider_id   INTEGER NOT NULL REFERENCES users (id),
    amount     INTEGER NOT NULL CHECK (amount <> 0),
    kind       TEXT    NOT NULL CHECK (kind IN ('report_accepted', 'attendance', 'redemption_hold',
                                               'redemption_refund', 'adjustment', 'expiry')),
    source_ref TEXT,
    actor_id   INTEGER,
    reason     TEXT,
    idem_key   TEXT    NOT NULL UNIQUE,
    at         TEXT    NOT NULL
);
CREATE INDEX ledger_rider ON ledger (rider_id, id);
CREATE INDEX ledger_at ON ledger (at);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

CREATE TABLE balances (
    rider_id INTEGER PRIMARY KEY REFERENCES users (id),
    balance  INTEGER NOT NULL CHECK (balance >= 0)
);

-- Not an upsert: SQLite checks the CHECK on a row to insert before resolving a conflict, so a
-- debit would fail as "a new row with a negative balance".
CREATE TRIGGER ledger_balance AFTER INSERT ON ledger
BEGIN
    INSERT INTO balances (rider_id, balance) VALUES (NEW.rider_id, 0) ON CONFLICT DO NOTHING;
    UPDATE balances SET balance = balance + NEW.amount WHERE rider_id = NEW.rider_id;
END;

-- Points per cause: 'report' and 'attendance' are the defaults; 'report:<category>' and
-- 'attendance:<session>' override them.
CREATE TABLE earning_rules (
    rule   TEXT    PRIMARY KEY,
    points INTEGER NOT NULL CHECK (points > 0)
);
INSERT INTO earning_rules (rule, points) VALUES ('report', 10), ('attendance', 20);

CREATE TABLE rewards (
    code       TEXT    PRIMARY KEY,
    name_zh    TEXT    NOT NULL,
    name_en    TEXT,
    cost       INTEGER NOT NULL CHECK (cost > 0),
    stock      INTEGER NOT NULL CHECK (stock >= 0),
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    updated_at TEXT    NOT NULL
);

-- A redemption holds its cost (a 'redemption_hold' entry) until a coordinator confirms the
-- hand-over, or it expires and the points come back ('redemption_refund').
CREATE TABLE redemptions (
    code         TEXT    PRIMARY KEY,
    rider_id     INTEGER NOT NULL REFERENCES users (id),
    reward_code  TEXT    NOT NULL REFERENCES rewards (code),
    cost         INTEGER NOT NULL CHECK (cost > 0),
    status       TEXT    NOT NULL CHECK (status IN ('open', 'confirmed', 'expired')),
    request_key  TEXT    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,
    closed_at    TEXT,
    closed_by    INTEGER
);
CREATE INDEX redemptions_rider ON redemptions (rider_id, status);
CREATE INDEX redemptions_open ON redemptions (status, expires_at);

ALTER TABLE users ADD COLUMN leaderboard_opt_in INTEGER NOT NULL DEFAULT 0;
