-- Party ledgers (data contract, sections 7 and 8): party organisations and their activities,
-- stored like every other dataset (canonical column names, institution codes, import_id,
-- row_hash, and <dataset>_replaced so an import can be undone exactly).

create table party_organisations (
    org_id           varchar primary key,
    org_name         varchar not null,
    level            varchar not null,  -- committee | general_branch | branch | joint_branch | group
    parent_org_id    varchar,
    inst_id          varchar not null,  -- where the organisation sits (its community is this one's)
    covered_inst_ids varchar[],         -- further institutions it covers, as codes; null or [] when none
    members          bigint,            -- null: not reported (adds nothing to a sum)
    secretary        varchar,
    established_date date,              -- null: existed before any period
    dissolved_date   date,              -- null: still active
    import_id        bigint,
    row_hash         varchar
);

create table party_activities (
    activity_id        varchar primary key,  -- a hash of the row's other values when the file has none
    org_id             varchar not null,
    activity_date      date not null,
    activity_type      varchar not null,     -- member_meeting | committee_meeting | group_meeting | party_lecture
                                             -- | theme_day | free_clinic | fusion_project | joint_building
                                             -- | study | review | other
    topic              varchar,
    location_inst_id   varchar,              -- null: the organisation's inst_id (the queries apply the default)
    participants       bigint,
    party_participants bigint,
    residents_served   bigint,
    project_id         varchar,
    import_id          bigint,
    row_hash           varchar
);

create table party_organisations_replaced as select *, 0::bigint as replaced_by from party_organisations with no data;
create table party_activities_replaced as select *, 0::bigint as replaced_by from party_activities with no data;
