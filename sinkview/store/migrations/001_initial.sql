-- Initial schema: one table per dataset of the data contract (canonical column names),
-- plus the import log. Every data row remembers the import that wrote it (import_id) and a
-- hash of its normalised values (row_hash) so a re-upload of identical rows changes nothing.
-- Rows replaced by an import are kept in <dataset>_replaced so that the import can be undone exactly.

create sequence if not exists import_id_seq start 1;

create table imports (
    import_id     bigint primary key,
    dataset       varchar not null,
    file_name     varchar not null,
    content_hash  varchar not null,
    rows_imported bigint not null,   -- valid rows in the file
    rows_changed  bigint not null,   -- of those, new or different from the stored row
    rows_rejected bigint not null,
    warnings      bigint not null,
    imported_by   varchar,
    imported_at   timestamp not null,
    undone_at     timestamp
);

create table institutions (
    inst_id     varchar primary key,
    inst_name   varchar not null,
    tier        varchar not null,   -- upper_hospital | county_hospital | township_center | village_clinic
    parent_id   varchar,
    community   varchar,
    county      varchar,
    township    varchar,
    latitude    double,
    longitude   double,
    population  bigint,
    beds        bigint,
    import_id   bigint,
    row_hash    varchar
);

create table expert_rotations (
    record_id       varchar primary key,
    expert_id       varchar not null,
    expert_name     varchar,
    home_inst_id    varchar not null,
    host_inst_id    varchar not null,
    specialty       varchar not null,
    title_level     varchar,          -- senior | intermediate | junior | none
    start_date      date not null,
    end_date        date not null,    -- defaults to start_date
    activity        varchar not null, -- clinic | ward_round | surgery | case_discussion | training | teleconsult | other
    patients_served bigint,
    trainees        bigint,
    party_member    boolean,
    import_id       bigint,
    row_hash        varchar
);

create table referrals (
    referral_id   varchar primary key,
    patient_key   varchar not null,   -- pseudonymous; identity and mobile numbers arrive HMAC-ed
    referral_date date not null,
    from_inst_id  varchar not null,
    to_inst_id    varchar not null,
    direction     varchar,            -- up | down | lateral, derived from tier ranks
    icd10         varchar,
    diagnosis     varchar,
    status        varchar not null,   -- completed | accepted | pending | rejected | cancelled
    reason        varchar,
    accepted_date date,
    import_id     bigint,
    row_hash      varchar
);

create table village_coverage (
    snapshot_date        date not null,   -- the reporting period's last day
    village_code         varchar not null,
    village_name         varchar not null,
    township             varchar not null,
    township_center_id   varchar not null,
    clinic_id            varchar,
    population           bigint not null,
    village_doctors      bigint not null,
    licensed_doctors     bigint not null,
    contracted_residents bigint,
    hypertension_managed bigint,
    diabetes_managed     bigint,
    insurance_settlement boolean not null,
    telemedicine         boolean not null,
    party_group          boolean not null,
    ecg_device           boolean not null,
    latitude             double,
    longitude            double,
    distance_km          double,
    import_id            bigint,
    row_hash             varchar,
    primary key (snapshot_date, village_code)
);

create table staff_movements (
    movement_id   varchar primary key,
    staff_id      varchar not null,
    staff_name    varchar,
    movement_type varchar not null,  -- dispatch_down | training_up | transfer | recruit | departure | rotation
    from_inst_id  varchar,           -- null: from outside (recruit)
    to_inst_id    varchar,           -- null: leaves (departure)
    start_date    date not null,
    end_date      date,
    title_level   varchar,
    specialty     varchar,
    education     varchar,           -- doctorate | master | bachelor | college | secondary
    party_member  boolean,
    import_id     bigint,
    row_hash      varchar
);

create table service_volume (
    period            date not null,    -- first day of the month
    inst_id           varchar not null,
    community         varchar not null, -- '' except for upper_hospital rows
    outpatient_visits bigint not null,
    admissions        bigint,
    tcm_visits        bigint,
    insurance_fund    double,
    import_id         bigint,
    row_hash          varchar,
    primary key (period, inst_id, community)
);

-- Rows an import replaced, with the import that replaced them, so undo restores them exactly.
create table institutions_replaced as select *, 0::bigint as replaced_by from institutions with no data;
create table expert_rotations_replaced as select *, 0::bigint as replaced_by from expert_rotations with no data;
create table referrals_replaced as select *, 0::bigint as replaced_by from referrals with no data;
create table village_coverage_replaced as select *, 0::bigint as replaced_by from village_coverage with no data;
create table staff_movements_replaced as select *, 0::bigint as replaced_by from staff_movements with no data;
create table service_volume_replaced as select *, 0::bigint as replaced_by from service_volume with no data;

-- Tier ranks (data contract, "Tier ranks"): queries join this rather than repeating a CASE.
create table tier_ranks (
    tier varchar primary key,
    rank integer not null
);
insert into tier_ranks values
    ('upper_hospital', 4), ('county_hospital', 3), ('township_center', 2), ('village_clinic', 1);
