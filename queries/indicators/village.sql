-- Village-clinic indicators (village.*), one column per id, over the snapshot: each
-- village's latest row on or before the period's end, in the community of its township
-- centre (the period's start does not apply). Definitions: shared/spec/metrics.md.
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter
),

villages as (
    select * from village_coverage
),

ranked_institutions as (
    select institutions.inst_id, institutions.tier, institutions.community, tier_ranks.rank
    from institutions
    join tier_ranks using (tier)
),

-- each village's latest row on or before the period's end, then the community of its
-- township centre (the period's start does not apply to coverage)
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
    left join ranked_institutions as centre on centre.inst_id = latest_rows.township_center_id
    where params.community_filter is null or centre.community = params.community_filter
),

final as (
    select
        count(*) as "village.villages",
        count(*) filter (where clinic_id is not null)::double
            / nullif(count(*), 0) as "village.clinic_coverage",
        count(*) filter (where clinic_id is null or village_doctors = 0) as "village.blank_villages",
        sum(village_doctors)::double / nullif(sum(population), 0) * 1000 as "village.doctors_per_1000",
        sum(licensed_doctors)::double / nullif(sum(village_doctors), 0) as "village.licensed_share",
        coalesce(sum(contracted_residents), 0)::double
            / nullif(sum(population), 0) as "village.signing_rate",
        count(*) filter (where clinic_id is not null and insurance_settlement)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as "village.insurance_rate",
        count(*) filter (where clinic_id is not null and telemedicine)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as "village.telemedicine_rate",
        count(*) filter (where clinic_id is not null and party_group)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as "village.party_coverage",
        count(*) filter (where clinic_id is not null and ecg_device)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as "village.ecg_coverage",
        coalesce(sum(population), 0) as "village.population"
    from snapshot
)

select * from final
