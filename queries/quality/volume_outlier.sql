-- The rows behind quality.volume_outlier: monthly reports whose outpatient visits are far from
-- the median of the same institution's previous months (see the staging model
-- volume_against_history).
select
    inst_id,
    inst_name,
    tier,
    owner_community as community,
    period as month_start,
    outpatient_visits,
    history_median,
    history_months_reported,
    outpatient_visits / history_median as ratio_to_median
from volume_against_history(
    $start::date,
    $end::date,
    $community::varchar,
    $outlier_history_months::integer,
    $outlier_min_history_months::integer,
    $outlier_factor::double
)
where is_outlier
order by inst_id, community, month_start
