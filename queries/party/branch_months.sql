-- party/branch_months: every branch and joint branch in scope x every month of the period, with
-- its 三会一课 activities and its state (held, not_held, part_month, inactive), as in
-- party.meeting_regularity (staging model party_branch_months).
with

branch_months as (
    select * from party_branch_months($start::date, $end::date, $community::varchar, $township::varchar)
),

final as (
    select
        org_id,
        org_name,
        level,
        inst_name,
        township,
        community,
        established_date,
        dissolved_date,
        month_start as month,
        meetings,
        state
    from branch_months
)

select * from final
order by community, township collate zh nulls first, org_name collate zh, month
