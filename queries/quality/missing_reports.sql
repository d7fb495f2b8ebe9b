-- The rows behind quality.volume_missing: expected monthly service-volume reports (institution,
-- report month) that did not arrive (see the staging model volume_reporting).
select
    inst_id,
    inst_name,
    tier,
    township,
    community,
    month_start
from volume_reporting($start::date, $end::date, $community::varchar)
where not reported
order by rank desc, township, inst_id, month_start
