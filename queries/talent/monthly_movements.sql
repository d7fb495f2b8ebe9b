-- movements of the period per calendar month (of start_date) and movement type
with

movements_in_period as (
    select * from movements_in_scope($start::date, $end::date, $community::varchar, $township::varchar)
),

final as (
    select
        date_trunc('month', start_date)::date as month,
        movement_type,
        count(*) as movements
    from movements_in_period
    group by all
    order by month, movement_type
)

select * from final
