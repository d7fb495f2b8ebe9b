-- party/organisation_tree: the party organisations active on $end in scope and the member
-- institutions they cover, as the nodes of one tree per community: community -> organisations
-- (by parent_org_id; an organisation whose parent is not active or not in scope hangs under its
-- community) -> member institutions, each under the most specific organisation covering it
-- (group before branch before general branch before committee, then org_id). Member
-- institutions no active organisation covers hang under an "uncovered" node of their community.
with

organisations as (
    select * from party_organisations_in_scope($community::varchar, $township::varchar)
    where party_active_throughout(established_date, dissolved_date, $end::date, $end::date)
),

coverage as (
    select * from party_coverage($end::date, $community::varchar, $township::varchar)
),

-- each member institution's one place in the tree
placed_institutions as (
    select *
    from coverage
    qualify row_number() over (
        partition by inst_id order by level_rank nulls last, org_id
    ) = 1
),

community_nodes as (
    select distinct
        'community:' || community as node_id,
        null::varchar as parent_id,
        community as label,
        'community' as kind,
        null::varchar as level,
        null::varchar as tier,
        null::varchar as township,
        community,
        null::bigint as members
    from (
        select community from organisations
        union
        select community from coverage
    )
    where community is not null
),

organisation_nodes as (
    select
        'org:' || organisations.org_id as node_id,
        case
            when parents.org_id is not null then 'org:' || parents.org_id
            else 'community:' || organisations.community
        end as parent_id,
        organisations.org_name as label,
        'organisation' as kind,
        organisations.level,
        organisations.tier,
        organisations.township,
        organisations.community,
        organisations.members
    from organisations
    left join organisations as parents on parents.org_id = organisations.parent_org_id
),

uncovered_nodes as (
    select distinct
        'uncovered:' || community as node_id,
        'community:' || community as parent_id,
        community as label,
        'uncovered' as kind,
        null::varchar as level,
        null::varchar as tier,
        null::varchar as township,
        community,
        null::bigint as members
    from placed_institutions
    where org_id is null
),

institution_nodes as (
    select
        'inst:' || placed_institutions.inst_id as node_id,
        case
            when placed_institutions.org_id is null then 'uncovered:' || placed_institutions.community
            when organisations.org_id is not null then 'org:' || placed_institutions.org_id
            else 'community:' || placed_institutions.community  -- covered by another community's organisation
        end as parent_id,
        placed_institutions.inst_name as label,
        'institution' as kind,
        null::varchar as level,
        placed_institutions.tier,
        placed_institutions.township,
        placed_institutions.community,
        null::bigint as members
    from placed_institutions
    left join organisations on organisations.org_id = placed_institutions.org_id
),

final as (
    select * from community_nodes
    union all
    select * from organisation_nodes
    union all
    select * from uncovered_nodes
    union all
    select * from institution_nodes
)

select * from final
order by community, kind, node_id
