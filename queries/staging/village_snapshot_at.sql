-- Base model (a DuckDB table macro, installed into the store when it opens): the village
-- snapshot of metrics.md as of each date in the list as_of_dates — for every village, its latest
-- row on or before that date (an ASOF join; a village with no row by then is not in it). One
-- row per (as_of, village); rows after a date are ignored and a period's start does not apply.
create or replace macro village_snapshot_at(as_of_dates) as table

with

probes as (
    select as_of_dates.as_of, village_codes.village_code
    from (select distinct unnest(as_of_dates)::date as as_of) as as_of_dates
    cross join (select distinct village_code from village_coverage) as village_codes
),

final as (
    select probes.as_of, village_rows.*
    from probes
    asof join village_rows() as village_rows
        on village_rows.village_code = probes.village_code
        and village_rows.snapshot_date <= probes.as_of
)

select * from final
