-- the coverage indicators as of each snapshot date on or before the end (same definitions as
-- village.*, each date's snapshot being every village's latest row on or before that date):
-- one row per snapshot date at which a village in scope reported
with

params as (
    select
        $end::date as period_end,
        $community::varchar as community_filter,
        $township::varchar as township_filter
),

villages as (
    select * from village_coverage
),

institutions_with_community as (
    select inst_id, community from institutions
),

snapshot_dates as (
    select distinct villages.snapshot_date as as_of
    from villages
    cross join params
    where villages.snapshot_date <= params.period_end
),

latest_rows_as_of as (
    select snapshot_dates.as_of, villages.*
    from snapshot_dates
    join villages on villages.snapshot_date <= snapshot_dates.as_of
    qualify row_number() over (
        partition by snapshot_dates.as_of, villages.village_code
        order by villages.snapshot_date desc
    ) = 1
),

snapshots as (
    select latest_rows_as_of.*
    from latest_rows_as_of
    cross join params
    left join institutions_with_community as centre
        on centre.inst_id = latest_rows_as_of.township_center_id
    where (params.community_filter is null or centre.community = params.community_filter)
        and (params.township_filter is null or latest_rows_as_of.township = params.township_filter)
),

-- a date counts only when a village in scope reported on it (not just another community's)
reported_dates as (
    select distinct as_of from snapshots where snapshot_date = as_of
),

final as (
    select
        snapshots.as_of as snapshot_date,
        count(*) as villages,
        count(*) filter (where clinic_id is null or village_doctors = 0) as blank_villages,
        count(*) filter (where clinic_id is not null)::double
            / nullif(count(*), 0) as clinic_coverage,
        sum(licensed_doctors)::double / nullif(sum(village_doctors), 0) as licensed_share,
        coalesce(sum(contracted_residents), 0)::double
            / nullif(sum(population), 0) as signing_rate,
        count(*) filter (where clinic_id is not null and insurance_settlement)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as insurance_rate,
        count(*) filter (where clinic_id is not null and telemedicine)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as telemedicine_rate,
        count(*) filter (where clinic_id is not null and ecg_device)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as ecg_coverage,
        count(*) filter (where clinic_id is not null and party_group)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as party_coverage
    from snapshots
    where as_of in (select as_of from reported_dates)
    group by snapshots.as_of
    order by snapshots.as_of
)

select * from final
