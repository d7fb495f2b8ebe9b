-- Staging rule (a DuckDB scalar macro, installed into the store when it opens): whether a party
-- organisation is active on every day of [first_day, last_day] (data contract, section 7: active
-- on a day when established_date is empty or on or before it, and dissolved_date is empty or
-- after it). Active on one day d is party_active_throughout(established, dissolved, d, d).
create or replace macro party_active_throughout(established_date, dissolved_date, first_day, last_day) as
    (established_date is null or established_date <= first_day)
    and (dissolved_date is null or dissolved_date > last_day)
