-- The rows behind quality.slow_acceptance: effective referrals accepted more than
-- $max_accept_days days after they were made (see the staging model slow_acceptances).
select
    referral_id,
    referral_date,
    accepted_date,
    accept_days,
    status,
    from_inst_id,
    from_name,
    to_inst_id,
    to_name
from slow_acceptances($start::date, $end::date, $community::varchar, $max_accept_days::integer)
order by referral_date, referral_id
