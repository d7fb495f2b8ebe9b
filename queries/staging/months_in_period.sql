-- Staging model (a DuckDB table macro, installed into the store when it opens): every calendar
-- month that [period_start, period_end] touches, with its first and last day, so monthly
-- charts show a month with nothing in it as zero rather than leaving it out.
create or replace macro months_in_period(period_start, period_end) as table

with

month_starts as (
    select unnest(generate_series(
        date_trunc('month', period_start)::date, period_end, interval 1 month
    ))::date as month_start
),

final as (
    select month_start, (month_start + interval 1 month)::date - 1 as month_end
    from month_starts
)

select * from final
