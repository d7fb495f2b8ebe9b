-- Staging model (a DuckDB table macro, installed into the store when it opens): the township
-- health centres in the community (and the township, when set) — the denominator of
-- rotation.township_coverage and the rows of the rotation page's matrix and gap lists.
create or replace macro township_centres_in_scope(community_filter, township_filter) as table

with

final as (
    select *
    from ranked_institutions()
    where tier = 'township_center'
        and (community_filter is null or community = community_filter)
        and (township_filter is null or township = township_filter)
)

select * from final
