-- Users who may sign in, and the audit log of who did what and when.
-- Passwords are kept only as bcrypt hashes. failed_logins and locked_until carry the lockout
-- (five failed sign-ins lock a name for 15 minutes); a session that signed in before
-- password_changed_at ends. community null: the user sees every community.
-- The audit log names users, files, roles and counts, never patient data.

create table users (
    name                varchar primary key,
    password_hash       varchar not null,
    role                varchar not null check (role in ('admin', 'editor', 'viewer')),
    community           varchar,
    created_at          timestamp not null,
    failed_logins       integer not null default 0,
    locked_until        timestamp,
    password_changed_at timestamp not null
);

create table audit_log (
    "at"   timestamp not null,  -- quoted: AT is a keyword in DuckDB
    who    varchar,
    action varchar not null,
    detail varchar not null default ''
);
