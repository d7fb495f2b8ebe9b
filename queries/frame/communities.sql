-- Medical communities named by any institution, for the community filter.
with

final as (
    select distinct community
    from institutions
    where community is not null and community <> ''
)

select * from final order by community
