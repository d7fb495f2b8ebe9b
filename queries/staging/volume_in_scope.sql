-- Staging model (a DuckDB table macro, installed into the store when it opens): the service
-- volume rows of metrics.md — monthly reports whose month's first day is in
-- [period_start, period_end], owned by a community: an upper hospital's row by the row's own
-- `community` (a row with none counts only without a filter), any other row by its
-- institution's — with the institution's name, tier, township and rank. The volume indicators
-- and the data-quality checks read it, so they see the same months and the same communities.
create or replace macro volume_in_scope(period_start, period_end, community_filter) as table

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

owned_rows as (
    select
        service_volume.*,
        inst.inst_name,
        inst.tier,
        inst.township,
        inst.rank,
        case
            when inst.tier = 'upper_hospital' then service_volume.community
            else inst.community
        end as owner_community
    from service_volume
    join ranked_institutions as inst on inst.inst_id = service_volume.inst_id
),

final as (
    select *
    from owned_rows
    where period between period_start and period_end
        and (community_filter is null or owner_community = community_filter)
)

select * from final
