-- Per dataset, the latest import not yet undone: the one its undo button reverts.
with

live as (
    select * from imports where undone_at is null
),

latest as (
    select dataset, max(import_id) as import_id from live group by dataset
),

final as (
    select live.import_id, live.dataset, live.file_name, live.rows_changed, live.imported_at
    from live
    join latest using (dataset, import_id)
)

select * from final
order by list_position(['institutions', 'expert_rotations', 'referrals', 'village_coverage', 'staff_movements', 'service_volume'], dataset)
