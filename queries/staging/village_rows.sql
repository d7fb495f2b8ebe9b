-- Base model (a DuckDB table macro, installed into the store when it opens): every village row
-- with the community of its township centre and the two village rules of metrics.md: it has a
-- clinic (clinic_id set), and it is blank (空白村: no clinic, or no village doctor).
create or replace macro village_rows() as table

with

final as (
    select
        village_coverage.*,
        centre.community as centre_community,
        village_coverage.clinic_id is not null as has_clinic,
        village_coverage.clinic_id is null or village_coverage.village_doctors = 0 as is_blank
    from village_coverage
    left join institutions as centre on centre.inst_id = village_coverage.township_center_id
)

select * from final
