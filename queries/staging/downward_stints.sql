-- Base model (a DuckDB table macro, installed into the store when it opens): the downward
-- stints of metrics.md — expert rotations whose host ranks below their home institution — with
-- both ends' names and ranks, the host's tier, community and township, and the stint's whole
-- length in days. Days clipped to a period are days_in_period(start_date, end_date, …).
create or replace macro downward_stints() as table

with

final as (
    select
        expert_rotations.*,
        home.inst_name as home_name,
        host.inst_name as host_name,
        home.rank as home_rank,
        host.rank as host_rank,
        host.tier as host_tier,
        host.community as host_community,
        host.township as host_township,
        expert_rotations.end_date - expert_rotations.start_date + 1 as stint_days
    from expert_rotations
    join ranked_institutions() as home on home.inst_id = expert_rotations.home_inst_id
    join ranked_institutions() as host on host.inst_id = expert_rotations.host_inst_id
    where host.rank < home.rank
)

select * from final
