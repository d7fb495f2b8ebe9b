-- who moves: the title-level and education mix of dispatched (dispatch_down) and departing
-- (departure) staff of the period; one row per movement type, dimension and category, with
-- its share of that type's movements ('unknown' when the ledger leaves it empty)
with

movements_in_period as (
    select * from movements_in_scope($start::date, $end::date, $community::varchar, $township::varchar)
),

profiled_movements as (
    select
        movement_type,
        'title_level' as dimension,
        coalesce(title_level, 'unknown') as category,
        case title_level
            when 'senior' then 1 when 'intermediate' then 2 when 'junior' then 3
            when 'none' then 4 else 5
        end as category_order
    from movements_in_period
    where movement_type in ('dispatch_down', 'departure')
    union all
    select
        movement_type,
        'education' as dimension,
        coalesce(education, 'unknown') as category,
        case education
            when 'doctorate' then 1 when 'master' then 2 when 'bachelor' then 3
            when 'college' then 4 when 'secondary' then 5 else 6
        end as category_order
    from movements_in_period
    where movement_type in ('dispatch_down', 'departure')
),

final as (
    select
        movement_type,
        dimension,
        category,
        category_order,
        count(*) as movements,
        count(*)::double / sum(count(*)) over (partition by movement_type, dimension) as share
    from profiled_movements
    group by movement_type, dimension, category, category_order
    order by movement_type desc, dimension desc, category_order
)

select * from final
