-- Every name that identifies another community than $community: its own name, its institutions'
-- names, and the townships only it has. A user bound to $community sees these masked.
with

others as (
    select * from institutions
    where community is not null and community <> $community
),

own_townships as (
    select township from institutions
    where community = $community and township is not null
),

final as (
    select community as name from others
    union select inst_name from others
    union select township from others where township not in (select township from own_townships)
)

select * from final where name is not null
