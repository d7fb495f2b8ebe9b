-- Base model (a DuckDB table macro, installed into the store when it opens): every monthly
-- service-volume row with its institution's tier, rank, flags and township, and the community
-- that owns it: the row's own community for an upper hospital (blank: no community's), the
-- institution's community otherwise (metrics.md, "Which community a record belongs to").
-- fund_exact is the fund as a decimal: its sums are exact, so every grain, period list and
-- engine adds the same rows to the same number (a sum of doubles depends on the order).
create or replace macro monthly_volume() as table

with

final as (
    select
        service_volume.*,
        service_volume.insurance_fund::decimal(38, 6) as fund_exact,
        inst.inst_name,
        inst.tier,
        inst.rank,
        inst.is_grassroots,
        inst.is_in_county,
        inst.township,
        case
            when inst.tier = 'upper_hospital' then service_volume.community
            else inst.community
        end as owner_community
    from service_volume
    join ranked_institutions() as inst on inst.inst_id = service_volume.inst_id
)

select * from final
