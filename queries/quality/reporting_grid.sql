-- The completeness grid of the data-quality page: one row per expected reporter and report
-- month of service volume (see the staging model volume_reporting), highest tier first.
select
    inst_id,
    inst_name,
    tier,
    township,
    community,
    month_start,
    reported
from volume_reporting($start::date, $end::date, $community::varchar)
order by rank desc, township, inst_id, month_start
