-- party/township_comparison: one row per township with a township health centre in scope,
-- party work beside the sinking outcomes of the same township in the same period:
--   party:   activities of the branches and joint branches sited there per counted branch-month (as in
--            party.meeting_regularity), member-institution coverage at $end (party.institution_coverage);
--   sinking: expert-days of counted stints hosted there per 10,000 residents (rotation.expert_days),
--            effective downward referrals received there (referral.down), village clinic coverage
--            and licensed doctors' share of its villages' snapshot (village.*);
--   size:    its villages' population at $end.
-- Every township in scope is listed (the township filter only highlights one on the page).
with

townships as (
    select distinct township, community
    from township_centres_in_scope($community::varchar, null)
    where township is not null
),

institution_townships as (
    select inst_id, township from institutions
),

branch_months as (
    select township, count(*) as branch_months
    from party_branch_months($start::date, $end::date, $community::varchar, null)
    where counted
    group by all
),

party_activity as (
    select org_township as township, count(*) as activities
    from party_activities_in_scope($start::date, $end::date, $community::varchar, null)
    where level in ('branch', 'joint_branch')
    group by all
),

member_coverage as (
    select township, count(*) filter (where covered)::double / nullif(count(*), 0) as institution_coverage
    from (
        select inst_id, township, bool_or(org_id is not null) as covered
        from party_coverage($end::date, $community::varchar, null)
        group by all
    )
    group by all
),

expert_days as (
    select institution_townships.township, sum(counted_stints.days_in_period) as expert_days
    from counted_stints_in_scope($start::date, $end::date, $community::varchar, null) as counted_stints
    join institution_townships on institution_townships.inst_id = counted_stints.host_inst_id
    group by all
),

down_referrals as (
    select institution_townships.township, count(*) as down_referrals
    from referrals_in_scope($start::date, $end::date, $community::varchar, null, null) as referrals
    join institution_townships on institution_townships.inst_id = referrals.to_inst_id
    where referrals.flow = 'down' and referrals.is_effective
    group by all
),

villages as (
    select
        township,
        sum(population) as population,
        count(*) filter (where has_clinic)::double / nullif(count(*), 0) as clinic_coverage,
        sum(licensed_doctors)::double / nullif(sum(village_doctors), 0) as licensed_share
    from village_snapshot($end::date, $community::varchar, null)
    group by all
),

final as (
    select
        townships.township,
        townships.community,
        coalesce(party_activity.activities, 0) as activities,
        coalesce(branch_months.branch_months, 0) as branch_months,
        coalesce(party_activity.activities, 0)::double
            / nullif(branch_months.branch_months, 0) as activities_per_branch_month,
        member_coverage.institution_coverage,
        coalesce(expert_days.expert_days, 0) as expert_days,
        coalesce(expert_days.expert_days, 0)::double
            / nullif(villages.population, 0) * 10000 as expert_days_per_10k,
        coalesce(down_referrals.down_referrals, 0) as down_referrals,
        villages.clinic_coverage,
        villages.licensed_share,
        villages.population
    from townships
    left join branch_months using (township)
    left join party_activity using (township)
    left join member_coverage using (township)
    left join expert_days using (township)
    left join down_referrals using (township)
    left join villages using (township)
)

select * from final
order by township collate zh
