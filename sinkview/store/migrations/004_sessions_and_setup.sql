-- Sign-ins that survive a reload, the one-time set-up code of a fresh installation, and the
-- store's own bookkeeping.
-- sessions: one row per sign-in. The browser holds a signed token naming the session; the
-- store keeps only the SHA-256 of its random id, so a copy of the store signs nobody in.
-- ended_at set: signed out, idle, too old or revoked (end_reason says which); such a token is
-- refused even if its signature is good.
-- setup_codes: the SHA-256 of each one-time code that creates the first administrator; a code
-- dies when used (used_at), at expires_at, or after five wrong tries (failed_attempts).
-- store_meta: what the last writer installed (the staging models' fingerprint), so readers can
-- tell without writing whether the store is up to date.

create table sessions (
    id_hash     varchar primary key,
    user_name   varchar not null,
    created_at  timestamp not null,
    last_active timestamp not null,
    ended_at    timestamp,
    end_reason  varchar
);

create table setup_codes (
    code_hash  varchar primary key,
    created_at timestamp not null,
    expires_at timestamp not null,
    used_at    timestamp,
    used_by    varchar,
    failed_attempts integer not null default 0
);

create table store_meta (
    key   varchar primary key,
    value varchar not null
);
