-- The first and last dates any ledger covers: the period choices and the default period.
with

dated as (
    select min(start_date) as first_date, max(end_date) as last_date from expert_rotations
    union all
    select min(referral_date), max(referral_date) from referrals
    union all
    select min(snapshot_date), max(snapshot_date) from village_coverage
    union all
    select min(start_date), max(start_date) from staff_movements
    union all
    select min(period), max(last_day(period)) from service_volume
    union all
    select min(activity_date), max(activity_date) from party_activities
),

final as (
    select min(first_date) as first_date, max(last_date) as last_date from dated
)

select * from final
