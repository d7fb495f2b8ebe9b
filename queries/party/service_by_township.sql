-- party/service_by_township: theme days and free clinics in the period (party.theme_days,
-- party.free_clinics, party.residents_served) by the township and tier of the place they were
-- held (the location institution; default the organisation's). A place outside every township
-- (an upper hospital) has a null township.
with

services as (
    select * from party_activities_in_scope($start::date, $end::date, $community::varchar, $township::varchar)
    where is_service
),

final as (
    select
        location_township as township,
        location_tier as tier,
        location_rank as rank,
        count(*) as activities,
        count(*) filter (where activity_type = 'theme_day') as theme_days,
        count(*) filter (where activity_type = 'free_clinic') as free_clinics,
        coalesce(sum(residents_served), 0)::bigint as residents_served
    from services
    group by all
)

select * from final
order by township collate zh nulls last, rank
