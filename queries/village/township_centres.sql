-- township health centres in scope that have coordinates: the landmarks of the village map
with

params as (
    select
        $community::varchar as community_filter,
        $township::varchar as township_filter
),

centres as (
    select * from institutions
    where tier = 'township_center'
),

final as (
    select
        centres.inst_id,
        centres.inst_name,
        coalesce(centres.township, centres.inst_name) as township,
        centres.latitude,
        centres.longitude
    from centres
    cross join params
    where centres.latitude is not null
        and centres.longitude is not null
        and (params.community_filter is null or centres.community = params.community_filter)
        and (params.township_filter is null or centres.township = params.township_filter)
    order by township collate zh
)

select * from final
