-- Running instances of the bot on this database, and which of them runs each job that only
-- one instance may run at a time (reminders, sweeps, expiries, pruning).
--
-- Each instance writes its row at start and its heartbeat every few seconds; one whose
-- heartbeat is older than the liveness limit is taken for dead: its job leases may be taken
-- over and the outbox rows it was sending are counted `unknown`, not sent again.
CREATE TABLE instances (
    id          TEXT COLLATE "C" PRIMARY KEY,  -- random, made at start
    started_at  TEXT COLLATE "C" NOT NULL,
    seen_at     TEXT COLLATE "C" NOT NULL
);

CREATE TABLE job_leases (
    name        TEXT COLLATE "C" PRIMARY KEY,  -- the job's name
    holder      TEXT COLLATE "C" NOT NULL,     -- an instance id
    lease_until TEXT COLLATE "C" NOT NULL      -- the holder must renew it before then
);

-- Which instance took an outbox row for sending, and when: another instance leaves the row's
-- chat alone meanwhile, and a dead taker's rows are known by its id. One row of a chat at a
-- time may be `sending`, whoever sends it.
-- A row still `sending` now was left by a process that stopped (migrations run before any
-- sender): counted unknown, as the sender itself would at its start.
UPDATE outbox SET status = 'unknown', error = 'interrupted while sending',
                  done_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')
 WHERE status = 'sending';
ALTER TABLE outbox ADD COLUMN taken_by TEXT COLLATE "C";
ALTER TABLE outbox ADD COLUMN taken_at TEXT COLLATE "C";
CREATE UNIQUE INDEX outbox_sending ON outbox (chat_id) WHERE status = 'sending';
