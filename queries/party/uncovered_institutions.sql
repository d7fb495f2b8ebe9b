-- party/uncovered_institutions: member institutions in scope that no party organisation active
-- on $end covers (the blank spots of party.institution_coverage), village clinics first.
with

coverage as (
    select * from party_coverage($end::date, $community::varchar, $township::varchar)
),

final as (
    select inst_id, inst_name, tier, township, community
    from coverage
    group by all
    having bool_and(org_id is null)
)

select * from final
order by tier = 'village_clinic' desc, community, township collate zh, inst_name collate zh
