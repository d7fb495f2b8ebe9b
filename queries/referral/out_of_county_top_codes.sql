-- referral/out_of_county_top_codes: the $limit (default 10) 3-character ICD-10 codes with the
-- most effective upward referrals to upper (out-of-county) hospitals, with their chapter and
-- the diagnosis most often written with them.
with

coded_referrals as (
    select * from out_of_county_referrals(
        $start::date, $end::date, $community::varchar, $township::varchar, $institution::varchar
    )
),

final as (
    select
        code3,
        chapter,
        mode(diagnosis) as diagnosis,
        count(*) as referrals
    from coded_referrals
    where code3 is not null
    group by code3, chapter
    order by referrals desc, code3
    limit coalesce($limit, 10)
)

select * from final
