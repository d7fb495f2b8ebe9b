-- Ledgers without a primary key (issue 16). DuckDB keeps a primary key as an ART index that
-- every bulk insert builds and every checkpoint writes: for a 1M-row referrals file it was half
-- of the write (1.6 s of 2.2 s here). A key's uniqueness is the importer's to keep: one file
-- may not repeat a key (unique_in_file), and a commit replaces the stored row of a key it
-- brings (sinkview/ingest/importer.py, commit_validation). Each ledger is rebuilt with the same
-- columns and NOT NULL rules, its rows in date order (issue 12: min/max statistics skip).

create table expert_rotations__rebuilt (
    record_id       varchar not null,
    expert_id       varchar not null,
    expert_name     varchar,
    home_inst_id    varchar not null,
    host_inst_id    varchar not null,
    specialty       varchar not null,
    title_level     varchar,
    start_date      date not null,
    end_date        date not null,
    activity        varchar not null,
    patients_served bigint,
    trainees        bigint,
    party_member    boolean,
    import_id       bigint,
    row_hash        varchar
);
insert into expert_rotations__rebuilt select * from expert_rotations order by start_date;
drop table expert_rotations;
alter table expert_rotations__rebuilt rename to expert_rotations;

create table referrals__rebuilt (
    referral_id   varchar not null,
    patient_key   varchar not null,
    referral_date date not null,
    from_inst_id  varchar not null,
    to_inst_id    varchar not null,
    direction     varchar,
    icd10         varchar,
    diagnosis     varchar,
    status        varchar not null,
    reason        varchar,
    accepted_date date,
    import_id     bigint,
    row_hash      varchar
);
insert into referrals__rebuilt select * from referrals order by referral_date;
drop table referrals;
alter table referrals__rebuilt rename to referrals;

create table village_coverage__rebuilt (
    snapshot_date        date not null,
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
    row_hash             varchar
);
insert into village_coverage__rebuilt select * from village_coverage order by snapshot_date;
drop table village_coverage;
alter table village_coverage__rebuilt rename to village_coverage;

create table staff_movements__rebuilt (
    movement_id   varchar not null,
    staff_id      varchar not null,
    staff_name    varchar,
    movement_type varchar not null,
    from_inst_id  varchar,
    to_inst_id    varchar,
    start_date    date not null,
    end_date      date,
    title_level   varchar,
    specialty     varchar,
    education     varchar,
    party_member  boolean,
    import_id     bigint,
    row_hash      varchar
);
insert into staff_movements__rebuilt select * from staff_movements order by start_date;
drop table staff_movements;
alter table staff_movements__rebuilt rename to staff_movements;

create table service_volume__rebuilt (
    period            date not null,
    inst_id           varchar not null,
    community         varchar not null,
    outpatient_visits bigint not null,
    admissions        bigint,
    tcm_visits        bigint,
    insurance_fund    double,
    import_id         bigint,
    row_hash          varchar
);
insert into service_volume__rebuilt select * from service_volume order by period;
drop table service_volume;
alter table service_volume__rebuilt rename to service_volume;
