-- Staging model (a DuckDB table macro, installed into the store when it opens): party
-- activities dated in [period_start, period_end] whose organisation is in the community (an
-- activity belongs to its organisation's community), and, when a township is set, whose
-- organisation or location is in it. The location defaults to the organisation's institution;
-- it comes with its name, tier, rank and township. is_three_meetings marks 三会一课
-- (member_meeting, committee_meeting, group_meeting, party_lecture); is_service marks theme
-- days and free clinics. The party indicators and the party page read it.
create or replace macro party_activities_in_scope(
    period_start, period_end, community_filter, township_filter
) as table

with

organisations as (
    select * from party_organisations_in_scope(community_filter, null)
),

ranked_institutions as (
    select
        institutions.inst_id,
        institutions.inst_name,
        institutions.tier,
        institutions.township,
        institutions.rank
    from ranked_institutions() as institutions
),

final as (
    select
        party_activities.* exclude (location_inst_id),
        coalesce(party_activities.location_inst_id, organisations.inst_id) as location_inst_id,
        organisations.org_name,
        organisations.level,
        organisations.inst_id as org_inst_id,
        organisations.members,
        organisations.community,
        organisations.township as org_township,
        location.inst_name as location_name,
        location.tier as location_tier,
        location.rank as location_rank,
        location.township as location_township,
        party_activities.activity_type in (
            'member_meeting', 'committee_meeting', 'group_meeting', 'party_lecture'
        ) as is_three_meetings,
        party_activities.activity_type in ('theme_day', 'free_clinic') as is_service
    from party_activities
    join organisations using (org_id)
    left join ranked_institutions as location
        on location.inst_id = coalesce(party_activities.location_inst_id, organisations.inst_id)
    where party_activities.activity_date between period_start and period_end
        and (township_filter is null or township_filter in (organisations.township, location.township))
)

select * from final
