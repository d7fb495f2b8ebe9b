-- Platform exports (data contract, "Institution references" and "Exports as platforms write
-- them"): other names an institution goes by, saved column mappings, and what each import did
-- to the stored rows (new keys, rows replaced by newer values, rows already stored as they are).

alter table institutions add column aliases varchar;
alter table institutions_replaced add column aliases varchar;

alter table imports add column rows_new bigint;
alter table imports add column rows_replaced bigint;
alter table imports add column rows_unchanged bigint;
alter table imports add column mapping_name varchar;

-- A user's answer to "which column of my file is which field": applied by itself to the next
-- file whose header row has the same signature (its cells, normalised as headers are).
create table column_mappings (
    name             varchar primary key,
    dataset          varchar not null,
    header_signature varchar not null,
    header           varchar[] not null,   -- the header row's cells as written
    fields           map(varchar, varchar) not null,  -- canonical column -> header as written
    created_by       varchar,
    created_at       timestamp not null,
    updated_at       timestamp not null
);
