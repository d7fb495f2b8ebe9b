-- Imports still in force that did not come from the bundled sample county (demo mode shows
-- only the sample: any other data needs a signed-in user).
with

final as (
    select count(*) as imports
    from imports
    where undone_at is null and imported_by is distinct from $sample_user
)

select * from final
