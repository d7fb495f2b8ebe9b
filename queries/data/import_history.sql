-- Every import, newest first: file, dataset, rows, changes, rejections, warnings, who, when, undone.
with

final as (
    select
        import_id,
        file_name,
        dataset,
        rows_imported,
        rows_changed,
        rows_rejected,
        warnings,
        imported_by,
        imported_at,
        undone_at
    from imports
)

select * from final order by import_id desc
