-- The small charts of volume outliers on the data-quality page: for every institution with an
-- outlier in the period, its monthly outpatient visits from $outlier_history_months before the
-- period to its end, each month with the band its history allows (see the staging model
-- volume_against_history).
with

months_shown as (
    select * from volume_against_history(
        ($start::date - interval ($outlier_history_months::integer) month)::date,
        $end::date,
        $community::varchar,
        $outlier_history_months::integer,
        $outlier_min_history_months::integer,
        $outlier_factor::double
    )
),

series_with_outliers as (
    select distinct inst_id, community
    from months_shown
    where is_outlier and period >= $start::date
),

final as (
    select
        months_shown.inst_id,
        months_shown.inst_name,
        months_shown.community,
        months_shown.period as month_start,
        months_shown.outpatient_visits,
        months_shown.history_median,
        case when months_shown.has_history then months_shown.lower_bound end as lower_bound,
        case when months_shown.has_history then months_shown.upper_bound end as upper_bound,
        months_shown.is_outlier and months_shown.period >= $start::date as is_outlier,
        months_shown.period >= $start::date as in_period
    from months_shown
    join series_with_outliers using (inst_id, community)
)

select * from final
order by inst_id, community, month_start
