-- Staging model (a DuckDB table macro, installed into the store when it opens): every service
-- volume row in scope (see volume_in_scope) beside its history — the median outpatient_visits of
-- the same institution's rows (for an upper hospital, the same community's row) over the
-- history_months before its month, and how many of those months reported — and whether it is a
-- quality.volume_outlier (data-quality.md): judged only with at least min_history_months of
-- history and a median above 0 (has_history), more than outlier_factor times the median or less
-- than the median divided by it.
create or replace macro volume_against_history(
    period_start, period_end, community_filter, history_months, min_history_months, outlier_factor
) as table

with

report_rows as (
    select * from volume_in_scope(period_start, period_end, community_filter)
),

history_rows as (
    select inst_id, community, period, outpatient_visits
    from volume_in_scope(
        (period_start - interval (history_months::integer) month)::date, period_end, community_filter
    )
),

history_by_row as (
    select
        report_rows.inst_id,
        report_rows.community,
        report_rows.period,
        median(history_rows.outpatient_visits) as history_median,
        count(history_rows.period) as history_months_reported
    from report_rows
    left join history_rows
        on history_rows.inst_id = report_rows.inst_id
        and history_rows.community = report_rows.community
        and history_rows.period >= report_rows.period - interval (history_months::integer) month
        and history_rows.period < report_rows.period
    group by report_rows.inst_id, report_rows.community, report_rows.period
),

rows_with_history as (
    select
        report_rows.*,
        history_by_row.history_median,
        history_by_row.history_months_reported
    from report_rows
    join history_by_row using (inst_id, community, period)
),

judged_rows as (
    select
        *,
        coalesce(history_months_reported >= min_history_months and history_median > 0, false)
            as has_history
    from rows_with_history
),

final as (
    select
        *,
        history_median / outlier_factor as lower_bound,
        history_median * outlier_factor as upper_bound,
        has_history and (
            outpatient_visits > history_median * outlier_factor
            or outpatient_visits < history_median / outlier_factor
        ) as is_outlier
    from judged_rows
)

select * from final
