-- referral/out_of_county_by_chapter: effective upward referrals to upper (out-of-county)
-- hospitals by ICD-10 chapter, most referrals first; chapter null = code missing or outside
-- every chapter. The counts add up to referral.out_of_county_share's numerator.
with

coded_referrals as (
    select * from out_of_county_referrals(
        $start::date, $end::date, $community::varchar, $township::varchar, $institution::varchar
    )
),

final as (
    select
        chapter,
        chapter_order,
        first_code,
        last_code,
        count(*) as referrals,
        count(*)::double / sum(count(*)) over () as share
    from coded_referrals
    group by all
    order by referrals desc, chapter_order nulls last
)

select * from final
