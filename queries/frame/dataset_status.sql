-- Per dataset: rows stored, the latest date they cover and the last import.
with

stored as (
    select 'institutions' as dataset, count(*) as row_count, null::date as latest_date from institutions
    union all
    select 'expert_rotations', count(*), max(end_date) from expert_rotations
    union all
    select 'referrals', count(*), max(referral_date) from referrals
    union all
    select 'village_coverage', count(*), max(snapshot_date) from village_coverage
    union all
    select 'staff_movements', count(*), max(start_date) from staff_movements
    union all
    select 'service_volume', count(*), max(last_day(period)) from service_volume
    union all
    select 'party_organisations', count(*), null::date from party_organisations
    union all
    select 'party_activities', count(*), max(activity_date) from party_activities
),

last_imports as (
    select dataset, max(imported_at) as last_import
    from imports
    where undone_at is null
    group by dataset
),

final as (
    select stored.dataset, stored.row_count, stored.latest_date, last_imports.last_import
    from stored
    left join last_imports using (dataset)
)

select * from final order by list_position(['institutions', 'expert_rotations', 'referrals', 'village_coverage', 'staff_movements', 'service_volume', 'party_organisations', 'party_activities'], dataset)
