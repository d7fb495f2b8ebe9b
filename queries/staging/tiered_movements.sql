-- Base model (a DuckDB table macro, installed into the store when it opens): every staff
-- movement with both institutions' tiers, ranks, communities and townships, and whether it is
-- grassroots inflow (recruit or transfer into rank <= 2 from outside or rank >= 3) or outflow
-- (departure or transfer out of rank <= 2 to outside or rank >= 3). A missing institution
-- (recruit from outside, departure) has no tier and no rank: outside every tier.
create or replace macro tiered_movements() as table

with

final as (
    select
        staff_movements.*,
        from_inst.tier as from_tier,
        from_inst.rank as from_rank,
        from_inst.community as from_community,
        from_inst.township as from_township,
        to_inst.tier as to_tier,
        to_inst.rank as to_rank,
        to_inst.community as to_community,
        to_inst.township as to_township,
        coalesce(
            staff_movements.movement_type in ('recruit', 'transfer')
                and to_inst.rank <= 2
                and (staff_movements.from_inst_id is null or from_inst.rank >= 3),
            false
        ) as is_grassroots_inflow,
        coalesce(
            staff_movements.movement_type in ('departure', 'transfer')
                and from_inst.rank <= 2
                and (staff_movements.to_inst_id is null or to_inst.rank >= 3),
            false
        ) as is_grassroots_outflow
    from staff_movements
    left join ranked_institutions() as from_inst on from_inst.inst_id = staff_movements.from_inst_id
    left join ranked_institutions() as to_inst on to_inst.inst_id = staff_movements.to_inst_id
)

select * from final
