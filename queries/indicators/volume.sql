-- Service-volume indicators (volume.*), one column per id. Months whose first day is in the
-- period; in-county means rank <= 3; a missing count or amount adds nothing.
-- Definitions: shared/spec/metrics.md.
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter
),

volume_rows as (
    select * from service_volume
),

ranked_institutions as (
    select institutions.inst_id, institutions.tier, institutions.community, tier_ranks.rank
    from institutions
    join tier_ranks using (tier)
),

-- months whose first day is in the period; an upper hospital's row belongs to the row's own
-- community (so a row with none counts only without a filter), any other row to its institution's
volume_in_scope as (
    select volume_rows.*, inst.rank
    from volume_rows
    cross join params
    join ranked_institutions as inst on inst.inst_id = volume_rows.inst_id
    where volume_rows.period between params.period_start and params.period_end
        and (
            params.community_filter is null
            or params.community_filter = case
                when inst.tier = 'upper_hospital' then volume_rows.community
                else inst.community
            end
        )
),

final as (
    select
        coalesce(sum(outpatient_visits) filter (where rank <= 2), 0)::double
            / nullif(sum(outpatient_visits) filter (where rank <= 3), 0)
            as "volume.grassroots_visit_share",
        coalesce(sum(admissions) filter (where rank <= 3), 0)::double
            / nullif(sum(admissions), 0) as "volume.in_county_admission_share",
        coalesce(sum(tcm_visits) filter (where rank <= 3), 0)::double
            / nullif(sum(outpatient_visits) filter (where rank <= 3), 0) as "volume.tcm_visit_share",
        coalesce(sum(insurance_fund) filter (where rank <= 3), 0)::double
            / nullif(sum(insurance_fund), 0) as "volume.in_county_fund_share",
        coalesce(sum(insurance_fund) filter (where rank <= 2), 0)::double
            / nullif(sum(insurance_fund) filter (where rank <= 3), 0) as "volume.grassroots_fund_share"
    from volume_in_scope
)

select * from final
