-- The rows behind quality.expert_overlap: pairs of downward stints of one expert at two host
-- institutions on the same days (see the staging model expert_overlaps).
select
    expert_id,
    overlap_start,
    overlap_end,
    overlap_days,
    first_record_id,
    first_host_id,
    first_host_name,
    first_start_date,
    first_end_date,
    second_record_id,
    second_host_id,
    second_host_name,
    second_start_date,
    second_end_date
from expert_overlaps($start::date, $end::date, $community::varchar)
order by overlap_start, expert_id, first_record_id, second_record_id
