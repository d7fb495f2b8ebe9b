-- the coverage indicators per township of the snapshot (same definitions as village.*):
-- one row per township, ratios null when their denominator is 0
with

snapshot as (
    select * from village_snapshot($end::date, $community::varchar, $township::varchar)
),

final as (
    select
        township,
        count(*) as villages,
        count(*) filter (where clinic_id is null or village_doctors = 0) as blank_villages,
        count(*) filter (where clinic_id is not null)::double
            / nullif(count(*), 0) as clinic_coverage,
        sum(licensed_doctors)::double / nullif(sum(village_doctors), 0) as licensed_share,
        coalesce(sum(contracted_residents), 0)::double
            / nullif(sum(population), 0) as signing_rate,
        count(*) filter (where clinic_id is not null and insurance_settlement)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as insurance_rate,
        count(*) filter (where clinic_id is not null and telemedicine)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as telemedicine_rate,
        count(*) filter (where clinic_id is not null and ecg_device)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as ecg_coverage,
        count(*) filter (where clinic_id is not null and party_group)::double
            / nullif(count(*) filter (where clinic_id is not null), 0) as party_coverage
    from snapshot
    group by township
    order by township collate zh
)

select * from final
