-- Staging model (a DuckDB table macro, installed into the store when it opens): the member
-- institutions (rank <= 3) in the community (and the township, when set), each with every
-- party organisation that covers it and is active on as_of (an organisation covers its own
-- institution and those in covered_inst_ids), one row per pair; an uncovered institution has
-- one row with a null org_id. The coverage indicators and the organisation chart read it.
create or replace macro party_coverage(as_of, community_filter, township_filter) as table

with

member_institutions as (
    select
        institutions.inst_id,
        institutions.inst_name,
        institutions.tier,
        institutions.community,
        institutions.township,
        institutions.rank
    from ranked_institutions() as institutions
    where institutions.rank <= 3
        and (community_filter is null or institutions.community = community_filter)
        and (township_filter is null or institutions.township = township_filter)
),

active_organisations as (
    select * from party_organisations_in_scope(null, null)
    where party_active_throughout(established_date, dissolved_date, as_of, as_of)
),

covered_pairs as (
    select distinct
        unnest(list_prepend(inst_id, coalesce(covered_inst_ids, []::varchar[]))) as covered_inst_id,
        org_id,
        org_name,
        level,
        level_rank,
        parent_org_id,
        inst_id as org_inst_id
    from active_organisations
),

final as (
    select
        member_institutions.*,
        covered_pairs.org_id,
        covered_pairs.org_name,
        covered_pairs.level,
        covered_pairs.level_rank,
        covered_pairs.parent_org_id,
        covered_pairs.org_inst_id
    from member_institutions
    left join covered_pairs on covered_pairs.covered_inst_id = member_institutions.inst_id
)

select * from final
