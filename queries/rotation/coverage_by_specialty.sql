-- rotation/coverage_by_specialty: township health centres x specialties, cells = expert-days in
-- the period of counted stints hosted at the centre. Every centre in scope appears for every
-- specialty seen at any centre (busiest specialty first), with 0 when that specialty never came.
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter,
        $township::varchar as township_filter
),

rotations as (
    select * from expert_rotations
),

ranked_institutions as (
    select
        institutions.inst_id,
        institutions.inst_name,
        institutions.tier,
        institutions.community,
        institutions.township,
        tier_ranks.rank
    from institutions
    join tier_ranks using (tier)
),

centres_in_scope as (
    select ranked_institutions.*
    from ranked_institutions
    cross join params
    where ranked_institutions.tier = 'township_center'
        and (params.community_filter is null or ranked_institutions.community = params.community_filter)
        and (params.township_filter is null or ranked_institutions.township = params.township_filter)
),

-- downward stints with at least one day in the period hosted by a centre in scope
counted_stints as (
    select
        rotations.*,
        least(rotations.end_date, params.period_end)
            - greatest(rotations.start_date, params.period_start) + 1 as days_in_period
    from rotations
    cross join params
    join ranked_institutions as home on home.inst_id = rotations.home_inst_id
    join centres_in_scope as host on host.inst_id = rotations.host_inst_id
    where host.rank < home.rank
        and rotations.start_date <= params.period_end
        and rotations.end_date >= params.period_start
),

centre_specialty_days as (
    select host_inst_id, specialty, sum(days_in_period)::bigint as expert_days
    from counted_stints
    group by all
),

specialties as (
    select specialty, sum(days_in_period) as specialty_days
    from counted_stints
    group by specialty
),

final as (
    select
        centres_in_scope.inst_id,
        centres_in_scope.inst_name,
        centres_in_scope.township,
        centres_in_scope.community,
        specialties.specialty,
        coalesce(centre_specialty_days.expert_days, 0) as expert_days
    from centres_in_scope
    cross join specialties
    left join centre_specialty_days
        on centre_specialty_days.host_inst_id = centres_in_scope.inst_id
        and centre_specialty_days.specialty = specialties.specialty
    order by
        centres_in_scope.community nulls last,
        centres_in_scope.township nulls last,
        centres_in_scope.inst_name,
        specialties.specialty_days desc,
        specialties.specialty
)

select * from final
