-- 双培养: dispatched staff (dispatch_down) per month, or per quarter when the period is longer
-- than a year, with the senior and party-member shares (talent.senior_dispatch_share and
-- talent.party_dispatch_share per bucket; an unknown party membership counts as not a member)
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter,
        $township::varchar as township_filter
),

movements_in_period as (
    select * from movements_in_scope($start::date, $end::date, $community::varchar, $township::varchar)
),

buckets as (
    select
        case
            when params.period_end - params.period_start < 366 then 'month'
            else 'quarter'
        end as grain
    from params
),

final as (
    select
        buckets.grain,
        date_trunc(buckets.grain, movements_in_period.start_date)::date as bucket_start,
        count(*) as dispatched,
        count(*) filter (where movements_in_period.title_level = 'senior') as senior,
        count(*) filter (where movements_in_period.party_member) as party_members,
        count(*) filter (where movements_in_period.title_level = 'senior')::double
            / count(*) as senior_share,
        count(*) filter (where movements_in_period.party_member)::double
            / count(*) as party_share
    from movements_in_period
    cross join buckets
    where movements_in_period.movement_type = 'dispatch_down'
    group by all
    order by bucket_start
)

select * from final
