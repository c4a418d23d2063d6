-- PostgreSQL dialect of migrations/sqlite/20261129000001_create_users.sql: the same tables,
-- columns and meanings. Integers are BIGINT, times and every other text TEXT COLLATE "C" (the
-- strings the code writes, compared byte by byte as SQLite's BINARY collation does, whatever
-- the database's locale), flags BIGINT 0/1.
--
-- This first migration also defines the SQLite functions the application's SQL calls that
-- PostgreSQL lacks under the same name and meaning (see ARCHITECTURE.md, "Two databases").
-- Each covers the argument shapes the code uses, and tests/pg_schema.rs checks each against
-- SQLite's builtin on the same inputs.

-- julianday(text): the Julian day number of a time string, as a double, computed exactly as
-- SQLite does (milliseconds since the Julian epoch as an integer, over 86,400,000), so that the
-- differences the code takes are the same doubles on both engines. Accepts SQLite's formats:
-- YYYY-MM-DD (years -4713 to 9999), then optionally [T or spaces]HH:MM[:SS[.fraction]] and
-- then optionally Z or ±HH:MM. Anything else (including 'now' and modifiers, which the code
-- never passes) is NULL.
CREATE FUNCTION julianday(t text) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    m text[];
    y bigint;
    mo bigint;
    a bigint;
    ms bigint;
    frac double precision := 0;
    tz bigint := 0;
BEGIN
    m := regexp_match(t,
        '^(-?\d{4})-(\d{2})-(\d{2})[\sT]*'
        || '(?:(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(?:([Zz])|([+-])(\d{2}):(\d{2}))?)?'
        || '\s*$');
    IF m IS NULL OR m[1]::int < -4713 OR m[2]::int NOT BETWEEN 1 AND 12
       OR m[3]::int NOT BETWEEN 1 AND 31 THEN
        RETURN NULL;
    END IF;
    -- SQLite's computeJD, in integers (its doubles hold these exactly). Integer division
    -- truncates toward zero in both. A day past the month's end rolls over (02-31 is 03-03).
    y := m[1]::bigint;
    mo := m[2]::bigint;
    IF mo <= 2 THEN
        y := y - 1;
        mo := mo + 12;
    END IF;
    a := y / 100;
    ms := (36525 * (y + 4716) / 100 + 306001 * (mo + 1) / 10000 + m[3]::bigint + 2 - a + a / 4)
          * 86400000 - 131716800000;
    IF m[4] IS NOT NULL THEN
        IF m[4]::int > 24 OR m[5]::int > 59 OR COALESCE(m[6], '0')::int > 59 THEN
            RETURN NULL;
        END IF;
        IF m[7] IS NOT NULL THEN
            frac := m[7]::numeric::double precision / (10::double precision ^ length(m[7]));
        END IF;
        ms := ms + m[4]::bigint * 3600000 + m[5]::bigint * 60000
              + trunc((COALESCE(m[6], '0')::double precision + frac) * 1000 + 0.5)::bigint;
    END IF;
    IF m[9] IS NOT NULL THEN
        IF m[10]::int > 14 OR m[11]::int > 59 THEN
            RETURN NULL;
        END IF;
        tz := (m[10]::bigint * 60 + m[11]::bigint) * (CASE m[9] WHEN '-' THEN -1 ELSE 1 END);
    END IF;
    RETURN (ms - tz * 60000)::double precision / 86400000.0::double precision;
END
$$;

-- json_extract(json, path): the value at a path of the form $.key, $.a.b or $.list[0], as
-- text: a string without its quotes, a number as written, true and false as 1 and 0 (SQLite's
-- integers), an object or array as its JSON text, JSON null or a missing key as NULL. SQLite
-- returns a number as a number: compare the result with CAST(… AS TEXT) of a number, or cast
-- it, so that both engines compare the same way. Malformed JSON is an error, as in SQLite.
CREATE FUNCTION json_extract(doc text, path text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    v json;
BEGIN
    IF path !~ '^\$(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$' THEN
        RAISE EXCEPTION 'bad JSON path: %', path;
    END IF;
    -- $.a.b[2] becomes {a,b,2}; $ alone, {} (the whole document).
    v := doc::json #> COALESCE(string_to_array(
        nullif(ltrim(regexp_replace(substr(path, 2), '\[(\d+)\]', '.\1', 'g'), '.'), ''), '.'),
        '{}');
    RETURN CASE json_typeof(v)
        WHEN 'string' THEN v #>> '{}'
        WHEN 'null' THEN NULL
        WHEN 'boolean' THEN CASE WHEN v::text = 'true' THEN '1' ELSE '0' END
        ELSE v::text
    END;
END
$$;

-- json_quote(value): the value as JSON text: a string quoted and escaped, a number as is,
-- NULL as null. Lets a query build JSON by concatenation the same way on both engines
-- (PostgreSQL 16 made JSON_ARRAY and JSON_OBJECT syntax, so those names cannot be defined).
CREATE FUNCTION json_quote(v text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT COALESCE(to_json(v)::text, 'null') $$;
CREATE FUNCTION json_quote(v bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT COALESCE(v::text, 'null') $$;

-- SQLite's scalar min(a, b) and max(a, b): NULL when either is NULL. (The aggregates of one
-- argument are PostgreSQL's own.) Integers and text only: a double precision pair would be
-- PostgreSQL's choice for two INTEGER literals (its preferred numeric type), and return a double.
CREATE FUNCTION min(a bigint, b bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT least(a, b) $$;
CREATE FUNCTION max(a bigint, b bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT greatest(a, b) $$;
CREATE FUNCTION min(a text, b text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT least(a COLLATE "C", b COLLATE "C") $$;
CREATE FUNCTION max(a text, b text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT greatest(a COLLATE "C", b COLLATE "C") $$;

-- An id column that takes automatic ids also follows ids given explicitly, as SQLite's
-- AUTOINCREMENT does: after a row inserted with id 41, the next automatic id is 42.
-- TG_ARGV[0] names the column's sequence.
CREATE FUNCTION follow_explicit_id() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    seq regclass := TG_ARGV[0]::regclass;
BEGIN
    IF NEW.id > COALESCE(pg_sequence_last_value(seq), 0) THEN
        -- Two explicit inserts at once must not move the sequence backwards.
        PERFORM pg_advisory_xact_lock(hashtext('follow_explicit_id'), seq::oid::int);
        IF NEW.id > COALESCE(pg_sequence_last_value(seq), 0) THEN
            PERFORM setval(seq, NEW.id);
        END IF;
    END IF;
    RETURN NEW;
END
$$;

-- People the bot knows: riders, grid officers and coordinators, keyed by Telegram user id.
-- Personal data (name, phone, username) is erased on /deletemydata; the row stays, anonymised,
-- so ledger totals and audit entries keep pointing at something.
CREATE TABLE users (
    id               BIGINT  PRIMARY KEY,             -- Telegram user id
    status           TEXT COLLATE "C" NOT NULL DEFAULT 'new'
                     CHECK (status IN ('new', 'registered', 'deleted')),
    role             TEXT COLLATE "C" NOT NULL DEFAULT 'rider'
                     CHECK (role IN ('rider', 'grid_officer', 'coordinator')),
    lang             TEXT COLLATE "C" NOT NULL DEFAULT 'zh-CN' CHECK (lang IN ('zh-CN', 'en')),
    name             TEXT COLLATE "C",
    platform         TEXT COLLATE "C",
    phone            TEXT COLLATE "C",
    username         TEXT COLLATE "C",                -- lower-case, without '@', for /appoint @name
    consent_version  BIGINT,                          -- privacy notice version accepted
    consent_at       TEXT COLLATE "C",
    registered_at    TEXT COLLATE "C",
    deleted_at       TEXT COLLATE "C",
    blocked_at       TEXT COLLATE "C",                -- the user blocked the bot (my_chat_member)
    pending_payload  TEXT COLLATE "C",                -- a /start deep-link payload kept through onboarding
    created_at       TEXT COLLATE "C" NOT NULL,
    updated_at       TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username) WHERE username IS NOT NULL;
CREATE INDEX users_role ON users (role);
