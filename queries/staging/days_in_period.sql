-- Base rule (a DuckDB scalar macro, installed into the store when it opens): the days of
-- [first_day, last_day] that fall in [period_start, period_end], both ends included (a stint's
-- days in a period, metrics.md); 0 or less when they do not meet.
create or replace macro days_in_period(first_day, last_day, period_start, period_end) as
    least(last_day, period_end) - greatest(first_day, period_start) + 1
