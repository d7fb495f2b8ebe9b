-- Base model (a DuckDB table macro, installed into the store when it opens): every institution
-- with its tier rank (village_clinic 1 … upper_hospital 4, metrics.md) and the two flags the
-- indicators read: grassroots (rank <= 2) and in-county (rank <= 3). Every model and query
-- that needs a rank reads it here.
create or replace macro ranked_institutions() as table

with

final as (
    select
        institutions.*,
        tier_ranks.rank,
        tier_ranks.rank <= 2 as is_grassroots,
        tier_ranks.rank <= 3 as is_in_county
    from institutions
    join tier_ranks using (tier)
)

select * from final
