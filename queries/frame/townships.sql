-- Townships of the grassroots institutions, within the chosen community ($community null: all).
with

final as (
    select distinct township
    from institutions
    where township is not null and township <> ''
        and tier in ('township_center', 'village_clinic')
        and ($community is null or community = $community)
)

select * from final order by township
