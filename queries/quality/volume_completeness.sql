-- Reporting completeness of the monthly service-volume reports for the period and community
-- (see the staging model volume_completeness): what the caveats on volume.* figures read.
select
    completeness as "quality.volume_completeness",
    missing as "quality.volume_missing"
from volume_completeness($start::date, $end::date, $community::varchar)
