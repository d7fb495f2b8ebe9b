-- party/fusion_projects: the party-business fusion projects of the period (party.fusion_projects:
-- distinct non-empty project_id of fusion_project activities), each with every activity in the
-- period that carries its project_id (of any type): organisations, places, dates and reach.
with

activities as (
    select * from party_activities_in_scope($start::date, $end::date, $community::varchar, $township::varchar)
    where nullif(trim(project_id), '') is not null
),

projects as (
    select distinct trim(project_id) as project_id
    from activities
    where activity_type = 'fusion_project'
),

final as (
    select
        projects.project_id,
        arg_min(activities.topic, activities.activity_date) filter (
            where activities.activity_type = 'fusion_project' and activities.topic is not null
        ) as topic,
        string_agg(distinct activities.org_name, '、' order by activities.org_name) as organisations,
        count(*) as activities,
        count(distinct activities.location_inst_id) as places,
        count(*) filter (where activities.location_rank <= 2) as grassroots_activities,
        min(activities.activity_date) as first_date,
        max(activities.activity_date) as last_date,
        coalesce(sum(activities.participants), 0)::bigint as participants,
        coalesce(sum(activities.residents_served), 0)::bigint as residents_served
    from projects
    join activities on trim(activities.project_id) = projects.project_id
    group by projects.project_id
)

select * from final
order by first_date, project_id
