-- Staging model (a DuckDB table macro, installed into the store when it opens): monthly
-- reporting of service volume (data-quality.md, "Reporting completeness"). One row per expected
-- reporter and report month — the report months are the calendar months whose first day is in
-- [period_start, period_end]; the expected reporters are the county hospitals and township
-- centres in the community, plus its village clinics that have ever sent a service_volume row
-- (a clinic that never reports is not expected to) — and whether it reported that month (at
-- least one row for it). The quality checks, the completeness grid and the caveats read it.
create or replace macro volume_reporting(period_start, period_end, community_filter) as table

with

report_months as (
    select month_start
    from months_in_period(period_start, period_end)
    where month_start >= period_start
),

reporters_ever as (
    select distinct inst_id from service_volume
),

expected_reporters as (
    select
        institutions.inst_id,
        institutions.inst_name,
        institutions.tier,
        institutions.community,
        institutions.township,
        institutions.rank
    from ranked_institutions() as institutions
    where (community_filter is null or institutions.community = community_filter)
        and (
            institutions.tier in ('county_hospital', 'township_center')
            or (
                institutions.tier = 'village_clinic'
                and institutions.inst_id in (select inst_id from reporters_ever)
            )
        )
),

months_reported as (
    select distinct inst_id, period as month_start
    from service_volume
    where period between period_start and period_end
),

final as (
    select
        expected_reporters.*,
        report_months.month_start,
        months_reported.inst_id is not null as reported
    from expected_reporters
    cross join report_months
    left join months_reported
        on months_reported.inst_id = expected_reporters.inst_id
        and months_reported.month_start = report_months.month_start
)

select * from final
