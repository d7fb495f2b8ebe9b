-- rotation/coverage_by_specialty: township health centres x specialties, cells = expert-days in
-- the period of counted stints hosted at the centre. Every centre in scope appears for every
-- specialty seen at any centre (busiest specialty first), with 0 when that specialty never came.
with

centres_in_scope as (
    select * from township_centres_in_scope($community::varchar, $township::varchar)
),

-- counted stints hosted by a centre in scope
counted_stints as (
    select * from counted_stints_in_scope($start::date, $end::date, $community::varchar, $township::varchar)
    where host_inst_id in (select inst_id from centres_in_scope)
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
