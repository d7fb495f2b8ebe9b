-- Staging model (a DuckDB table macro, installed into the store when it opens): one row with
-- quality.volume_completeness (reported / expected report months, null when none was expected)
-- and quality.volume_missing, over volume_reporting. The quality checks and the caveats on
-- volume.* figures (KPI cards, scorecard, narrative, deck) read it, so they agree.
create or replace macro volume_completeness(period_start, period_end, community_filter) as table

with

reporting as (
    select * from volume_reporting(period_start, period_end, community_filter)
),

final as (
    select
        count(*) filter (where reported)::double / nullif(count(*), 0) as completeness,
        count(*) filter (where not reported) as missing
    from reporting
)

select * from final
