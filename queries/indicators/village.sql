-- Village-clinic indicators (village.*), one column per id, over the snapshot: each
-- village's latest row on or before the period's end, in the community of its township
-- centre (the period's start does not apply). Definitions: shared/spec/metrics.md.
with

-- Every indicator query takes $start, $end and $community; coverage is a state, so $start is
-- bound (the statement must name it) and not used.
params as (
    select $start::date as period_start
),

snapshot as (
    select * from village_snapshot($end::date, $community::varchar, null)
),

final as (
    select
        count(*) as "village.villages",
        count(*) filter (where clinic_id is not null)::double
            / nullif(count(*), 0) as "village.clinic_coverage",
        count(*) filter (where clinic_id is null or village_doctors = 0) as "village.blank_villages",
        sum(village_doctors)::double / nullif(sum(population), 0) * 1000 as "village.doctors_per_1000",
        sum(licensed_doctors)::double / nullif(sum(village_doctors), 0) as "village.licensed_share",
        coalesce(sum(contracted_residents), 0)::double
            / nullif(sum(population), 0) as "village.signing_rate",
        count(*) filter (where clinic_id is not null and insurance_settlement)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as "village.insurance_rate",
        count(*) filter (where clinic_id is not null and telemedicine)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as "village.telemedicine_rate",
        count(*) filter (where clinic_id is not null and party_group)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as "village.party_coverage",
        count(*) filter (where clinic_id is not null and ecg_device)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as "village.ecg_coverage",
        coalesce(sum(population), 0) as "village.population"
    from snapshot
)

select * from final
