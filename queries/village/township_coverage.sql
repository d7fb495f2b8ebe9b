-- the coverage indicators per township of the snapshot (same definitions as village.*):
-- one row per township, ratios null when their denominator is 0
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

-- each village's latest row on or before the period's end (the period's start does not apply
-- to coverage), in scope by the community of its township centre and by its township
latest_rows as (
    select villages.*
    from villages
    cross join params
    where villages.snapshot_date <= params.period_end
    qualify row_number() over (
        partition by villages.village_code order by villages.snapshot_date desc
    ) = 1
),

snapshot as (
    select latest_rows.*
    from latest_rows
    cross join params
    left join institutions_with_community as centre
        on centre.inst_id = latest_rows.township_center_id
    where (params.community_filter is null or centre.community = params.community_filter)
        and (params.township_filter is null or latest_rows.township = params.township_filter)
),

final as (
    select
        township,
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
    from snapshot
    group by township
    order by township collate zh
)

select * from final
