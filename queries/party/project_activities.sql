-- party/project_activities: every activity in the period that carries the project_id of a
-- fusion project (see party/fusion_projects), newest first.
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
        trim(activities.project_id) as project_id,
        activities.activity_date,
        activities.activity_type,
        activities.topic,
        activities.org_name,
        activities.location_name,
        activities.location_tier,
        activities.participants,
        activities.party_participants,
        activities.residents_served,
        activities.activity_id
    from activities
    join projects on projects.project_id = trim(activities.project_id)
)

select * from final
order by activity_date desc, project_id, activity_id
