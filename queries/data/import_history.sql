-- Every import, newest first: file, dataset, rows (new, replaced, unchanged), rejections,
-- warnings, the column mapping used, who, when, undone.
with

final as (
    select
        import_id,
        file_name,
        dataset,
        rows_imported,
        rows_new,
        rows_replaced,
        rows_unchanged,
        rows_rejected,
        warnings,
        mapping_name,
        imported_by,
        imported_at,
        undone_at
    from imports
)

select * from final order by import_id desc
