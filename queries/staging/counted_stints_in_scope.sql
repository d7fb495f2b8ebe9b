-- Staging model (a DuckDB table macro, installed into the store when it opens): the counted
-- stints of metrics.md — expert rotations whose host ranks below their home institution, with
-- at least one day in [period_start, period_end], hosted in the community (and the township,
-- when set) — with both ends' names and ranks, the stint's whole length and its part in the
-- period. The rotation indicators and the rotation page read it, so they count the same stints.
create or replace macro counted_stints_in_scope(
    period_start, period_end, community_filter, township_filter
) as table

with

ranked_institutions as (
    select
        institutions.inst_id,
        institutions.inst_name,
        institutions.tier,
        institutions.community,
        institutions.township,
        tier_ranks.rank
    from institutions
    join tier_ranks using (tier)
),

final as (
    select
        expert_rotations.*,
        home.inst_name as home_name,
        host.inst_name as host_name,
        home.rank as home_rank,
        host.rank as host_rank,
        expert_rotations.end_date - expert_rotations.start_date + 1 as stint_days,
        greatest(expert_rotations.start_date, period_start) as start_in_period,
        least(expert_rotations.end_date, period_end) as end_in_period,
        least(expert_rotations.end_date, period_end)
            - greatest(expert_rotations.start_date, period_start) + 1 as days_in_period
    from expert_rotations
    join ranked_institutions as home on home.inst_id = expert_rotations.home_inst_id
    join ranked_institutions as host on host.inst_id = expert_rotations.host_inst_id
    where host.rank < home.rank
        and expert_rotations.start_date <= period_end
        and expert_rotations.end_date >= period_start
        and (community_filter is null or host.community = community_filter)
        and (township_filter is null or host.township = township_filter)
)

select * from final
