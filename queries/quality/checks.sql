-- Data-quality checks (quality.*), one column per id, for the period and community: reporting
-- completeness of the monthly service-volume reports and the number of violations of each
-- validation rule. Each rule is a staging model (queries/staging/) that the pages' detail
-- queries read too, so a count and the rows behind it cannot differ.
-- Definitions: shared/spec/data-quality.md; settings: data/quality_rules.csv.
with

completeness as (
    select * from volume_completeness($start::date, $end::date, $community::varchar)
),

expert_overlaps as (
    select * from expert_overlaps($start::date, $end::date, $community::varchar)
),

clinic_parent_mismatches as (
    select * from clinic_parent_mismatches($end::date, $community::varchar)
),

slow_acceptances as (
    select * from slow_acceptances(
        $start::date, $end::date, $community::varchar, $max_accept_days::integer
    )
),

volume_outliers as (
    select * from volume_against_history(
        $start::date,
        $end::date,
        $community::varchar,
        $outlier_history_months::integer,
        $outlier_min_history_months::integer,
        $outlier_factor::double
    )
    where is_outlier
),

final as (
    select
        (select completeness from completeness) as "quality.volume_completeness",
        (select missing from completeness) as "quality.volume_missing",
        (select count(*) from expert_overlaps) as "quality.expert_overlap",
        (select count(*) from clinic_parent_mismatches) as "quality.clinic_parent_mismatch",
        (select count(*) from slow_acceptances) as "quality.slow_acceptance",
        (select count(*) from volume_outliers) as "quality.volume_outlier"
)

select * from final
