-- Staging model (a DuckDB table macro, installed into the store when it opens): every party
-- organisation whose institution is in the community (and the township, when set), with where
-- it sits (name, tier, rank, community, township of its inst_id) and how specific its level is
-- (group 1, branch and joint branch 2, general branch 3, committee 4). Whether it is active on
-- a day is party_active_throughout; the party indicators and the party page read both.
create or replace macro party_organisations_in_scope(community_filter, township_filter) as table

with

ranked_institutions as (
    select
        institutions.inst_id,
        institutions.inst_name,
        institutions.tier,
        institutions.community,
        institutions.township,
        institutions.rank
    from ranked_institutions() as institutions
),

final as (
    select
        party_organisations.*,
        site.inst_name,
        site.tier,
        site.rank,
        site.community,
        site.township,
        case party_organisations.level
            when 'group' then 1
            when 'branch' then 2
            when 'joint_branch' then 2
            when 'general_branch' then 3
            when 'committee' then 4
        end as level_rank
    from party_organisations
    join ranked_institutions as site on site.inst_id = party_organisations.inst_id
    where (community_filter is null or site.community = community_filter)
        and (township_filter is null or site.township = township_filter)
)

select * from final
