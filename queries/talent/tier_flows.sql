-- movements of the period between tiers, "outside" standing for a missing institution
-- (recruits from outside, departures): one row per (source tier, target tier) with movements,
-- split by movement type; pairs without a movement are absent
with

movements_in_period as (
    select * from movements_in_scope($start::date, $end::date, $community::varchar, $township::varchar)
),

final as (
    select
        coalesce(from_tier, 'outside') as source_tier,
        coalesce(from_rank, 0) as source_rank,
        coalesce(to_tier, 'outside') as target_tier,
        coalesce(to_rank, 0) as target_rank,
        count(*) as movements,
        count(*) filter (where movement_type = 'dispatch_down') as dispatch_down,
        count(*) filter (where movement_type = 'training_up') as training_up,
        count(*) filter (where movement_type = 'transfer') as transfer,
        count(*) filter (where movement_type = 'recruit') as recruit,
        count(*) filter (where movement_type = 'departure') as departure,
        count(*) filter (where movement_type = 'rotation') as rotation
    from movements_in_period
    group by all
    order by source_rank desc, target_rank desc
)

select * from final
