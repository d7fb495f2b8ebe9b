-- Staging model (a DuckDB table macro, installed into the store when it opens): the party
-- indicators (party.*) of one cell — the period [period_start, period_end] and a community (null:
-- all) — one row, one column per id. Structure is a state at the period's end (organisations
-- active on it, institutions they cover); activities are a flow in the period; the expert-days
-- share reads the counted stints of rotation.*. Definitions: shared/spec/metrics.md, "Party
-- building". The metric layer evaluates it for every cell of a grouped request in one statement
-- (a lateral join); its branch-month and coverage rules are not yet aggregates over base models.
create or replace macro party_indicators(period_start, period_end, community_filter) as table

with

active_organisations as (
    select * from party_organisations_in_scope(community_filter, null)
    where party_active_throughout(established_date, dissolved_date, period_end, period_end)
),

-- one row per member institution in scope: covered by at least one active organisation?
member_coverage as (
    select inst_id, tier, bool_or(org_id is not null) as covered
    from party_coverage(period_end, community_filter, null)
    group by all
),

branch_months as (
    select * from party_branch_months(period_start, period_end, community_filter, null)
    where counted
),

activities as (
    select * from party_activities_in_scope(period_start, period_end, community_filter, null)
),

counted_stints as (
    select * from counted_stints_in_scope(period_start, period_end, community_filter, null)
),

final as (
    select
        (select count(*) from active_organisations) as "party.organisations",
        (select coalesce(sum(members), 0) from active_organisations)::bigint as "party.members",
        (
            select count(*) filter (where covered)::double / nullif(count(*), 0)
            from member_coverage
        ) as "party.institution_coverage",
        (
            select count(*) filter (where covered)::double / nullif(count(*), 0)
            from member_coverage
            where tier = 'village_clinic'
        ) as "party.clinic_coverage",
        (
            select count(*) filter (where meetings > 0)::double / nullif(count(*), 0)
            from branch_months
        ) as "party.meeting_regularity",
        (
            select sum(party_participants)::double / nullif(sum(members), 0)
            from activities
            where activity_type in ('member_meeting', 'party_lecture')
                and party_participants is not null
                and members > 0
        ) as "party.member_turnout",
        (select count(*) filter (where activity_type = 'theme_day') from activities) as "party.theme_days",
        (select count(*) filter (where activity_type = 'free_clinic') from activities) as "party.free_clinics",
        (
            select coalesce(sum(residents_served) filter (where is_service), 0)::bigint from activities
        ) as "party.residents_served",
        (
            select count(*) filter (where is_service and location_rank <= 2)::double
                / nullif(count(*) filter (where is_service), 0)
            from activities
        ) as "party.grassroots_service_share",
        (
            select count(distinct nullif(trim(project_id), '')) filter (where activity_type = 'fusion_project')
            from activities
        ) as "party.fusion_projects",
        (
            select coalesce(sum(days_in_period) filter (where party_member), 0)::double
                / nullif(sum(days_in_period), 0)
            from counted_stints
        ) as "party.expert_days_share"
)

select * from final
