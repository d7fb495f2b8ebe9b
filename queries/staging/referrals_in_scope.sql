-- Staging model (a DuckDB table macro, installed into the store when it opens): the referrals
-- (ranked_referrals: ends, ranks, flow, effectiveness) dated in [period_start, period_end] with
-- either end in the community (and either end in the township, and the chosen institution at
-- either end, when those are set). Every referral query of the topic pages reads it.
create or replace macro referrals_in_scope(
    period_start, period_end, community_filter, township_filter, institution_filter
) as table

with

final as (
    select *
    from ranked_referrals()
    where referral_date between period_start and period_end
        and (community_filter is null or community_filter in (from_community, to_community))
        and (township_filter is null or township_filter in (from_township, to_township))
        and (institution_filter is null or institution_filter in (from_inst_id, to_inst_id))
)

select * from final
