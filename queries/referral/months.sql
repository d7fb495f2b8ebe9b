-- referral/months: every calendar month the period touches (its first day), the rows of the
-- monthly referral series (referral/referrals_by_month, computed from the declarations).
with

final as (
    select month_start as month
    from months_in_period($start::date, $end::date)
)

select * from final order by month
