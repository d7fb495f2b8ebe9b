-- Staging model (a DuckDB table macro, installed into the store when it opens): the rule
-- quality.expert_overlap of data-quality.md — pairs of downward stints (the counted stints of
-- metrics.md, whatever their community) of the same expert at two different host institutions
-- whose days in [period_start, period_end] share at least one day; each pair once, the earlier
-- stint first; in the community when either host is. Two lines for one expert at the same host
-- (a clinic day and a ward round, say) are not a violation.
create or replace macro expert_overlaps(period_start, period_end, community_filter) as table

with

downward_stints as (
    select * from counted_stints_in_scope(period_start, period_end, null, null)
),

host_communities as (
    select inst_id, community from institutions
),

stint_pairs as (
    select
        first_stint.expert_id,
        first_stint.record_id as first_record_id,
        first_stint.host_inst_id as first_host_id,
        first_stint.host_name as first_host_name,
        first_stint.start_date as first_start_date,
        first_stint.end_date as first_end_date,
        second_stint.record_id as second_record_id,
        second_stint.host_inst_id as second_host_id,
        second_stint.host_name as second_host_name,
        second_stint.start_date as second_start_date,
        second_stint.end_date as second_end_date,
        greatest(first_stint.start_in_period, second_stint.start_in_period) as overlap_start,
        least(first_stint.end_in_period, second_stint.end_in_period) as overlap_end
    from downward_stints as first_stint
    join downward_stints as second_stint
        on second_stint.expert_id = first_stint.expert_id
        and second_stint.host_inst_id <> first_stint.host_inst_id
        and (
            first_stint.start_date < second_stint.start_date
            or (
                first_stint.start_date = second_stint.start_date
                and first_stint.record_id < second_stint.record_id
            )
        )
        and second_stint.start_in_period <= first_stint.end_in_period
        and first_stint.start_in_period <= second_stint.end_in_period
),

final as (
    select
        stint_pairs.*,
        stint_pairs.overlap_end - stint_pairs.overlap_start + 1 as overlap_days
    from stint_pairs
    join host_communities as first_host on first_host.inst_id = stint_pairs.first_host_id
    join host_communities as second_host on second_host.inst_id = stint_pairs.second_host_id
    where community_filter is null
        or community_filter in (first_host.community, second_host.community)
)

select * from final
