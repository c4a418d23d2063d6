-- A station visit may pay points (the 'visit' earning rule, capped per rider and day).
-- (SQLite rebuilds the ledger to change the CHECK; PostgreSQL replaces the constraint, and the
-- rows, ids, indexes, triggers and balances stay as they are.)
ALTER TABLE ledger DROP CONSTRAINT ledger_kind_check,
    ADD CONSTRAINT ledger_kind_check CHECK (kind IN ('report_accepted', 'attendance', 'visit',
                                                    'redemption_hold', 'redemption_refund',
                                                    'adjustment', 'expiry'));
