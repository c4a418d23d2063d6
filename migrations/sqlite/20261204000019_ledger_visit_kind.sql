-- A station visit may pay points (the 'visit' earning rule, capped per rider and day). SQLite
-- cannot change a CHECK: the ledger is rebuilt with its rows (ids kept), its indexes and its
-- triggers as migrations 7 and 12 left them. The balances are not touched: the rows copied
-- are the rows they already sum.
CREATE TABLE ledger_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    rider_id   INTEGER NOT NULL REFERENCES users (id),
    amount     INTEGER NOT NULL CHECK (amount <> 0),
    kind       TEXT    NOT NULL CHECK (kind IN ('report_accepted', 'attendance', 'visit',
                                               'redemption_hold', 'redemption_refund',
                                               'adjustment', 'expiry')),
    source_ref TEXT,
    actor_id   INTEGER,
    reason     TEXT,
    idem_key   TEXT    NOT NULL UNIQUE,
    at         TEXT    NOT NULL
);
INSERT INTO ledger_new (id, rider_id, amount, kind, source_ref, actor_id, reason, idem_key, at)
    SELECT id, rider_id, amount, kind, source_ref, actor_id, reason, idem_key, at FROM ledger;
DROP TABLE ledger;
ALTER TABLE ledger_new RENAME TO ledger;
CREATE INDEX ledger_rider ON ledger (rider_id, id);
CREATE INDEX ledger_at ON ledger (at);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
WHEN NEW.id IS NOT OLD.id OR NEW.amount IS NOT OLD.amount OR NEW.kind IS NOT OLD.kind
  OR NEW.source_ref IS NOT OLD.source_ref OR NEW.actor_id IS NOT OLD.actor_id
  OR NEW.reason IS NOT OLD.reason OR NEW.at IS NOT OLD.at OR NEW.rider_id >= 0
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_balance AFTER INSERT ON ledger
BEGIN
    INSERT INTO balances (rider_id, balance) VALUES (NEW.rider_id, 0) ON CONFLICT DO NOTHING;
    UPDATE balances SET balance = balance + NEW.amount WHERE rider_id = NEW.rider_id;
END;
