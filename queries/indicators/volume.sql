-- Service-volume indicators (volume.*), one column per id. Months whose first day is in the
-- period; in-county means rank <= 3; a missing count or amount adds nothing.
-- Definitions: shared/spec/metrics.md.
with

-- monthly reports whose month's first day is in the period, in the community that owns them
-- (the staging model the data-quality checks read too)
volume_rows as (
    select * from volume_in_scope($start::date, $end::date, $community::varchar)
),

final as (
    select
        coalesce(sum(outpatient_visits) filter (where rank <= 2), 0)::double
            / nullif(sum(outpatient_visits) filter (where rank <= 3), 0)
            as "volume.grassroots_visit_share",
        coalesce(sum(admissions) filter (where rank <= 3), 0)::double
            / nullif(sum(admissions), 0) as "volume.in_county_admission_share",
        coalesce(sum(tcm_visits) filter (where rank <= 3), 0)::double
            / nullif(sum(outpatient_visits) filter (where rank <= 3), 0) as "volume.tcm_visit_share",
        coalesce(sum(insurance_fund) filter (where rank <= 3), 0)::double
            / nullif(sum(insurance_fund), 0) as "volume.in_county_fund_share",
        coalesce(sum(insurance_fund) filter (where rank <= 2), 0)::double
            / nullif(sum(insurance_fund) filter (where rank <= 3), 0) as "volume.grassroots_fund_share"
    from volume_rows
)

select * from final
