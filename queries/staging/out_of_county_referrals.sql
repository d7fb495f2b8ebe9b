-- Staging model (a DuckDB table macro, installed into the store when it opens): effective
-- upward referrals to an upper (out-of-county) hospital in scope (see referrals_in_scope), with
-- their 3-character ICD-10 code (null when missing or not shaped like one) and its chapter.
create or replace macro out_of_county_referrals(
    period_start, period_end, community_filter, township_filter, institution_filter
) as table

with

effective_referrals as (
    select * from referrals_in_scope(
        period_start, period_end, community_filter, township_filter, institution_filter
    )
    where is_effective
),

-- ICD-10 chapters (WHO ICD-10, 2019) by the range of their 3-character codes
icd10_chapters as (
    select * from (values
        (1, 'I', 'A00', 'B99'),
        (2, 'II', 'C00', 'D48'),
        (3, 'III', 'D50', 'D89'),
        (4, 'IV', 'E00', 'E90'),
        (5, 'V', 'F00', 'F99'),
        (6, 'VI', 'G00', 'G99'),
        (7, 'VII', 'H00', 'H59'),
        (8, 'VIII', 'H60', 'H95'),
        (9, 'IX', 'I00', 'I99'),
        (10, 'X', 'J00', 'J99'),
        (11, 'XI', 'K00', 'K93'),
        (12, 'XII', 'L00', 'L99'),
        (13, 'XIII', 'M00', 'M99'),
        (14, 'XIV', 'N00', 'N99'),
        (15, 'XV', 'O00', 'O99'),
        (16, 'XVI', 'P00', 'P96'),
        (17, 'XVII', 'Q00', 'Q99'),
        (18, 'XVIII', 'R00', 'R99'),
        (19, 'XIX', 'S00', 'T98'),
        (20, 'XX', 'V01', 'Y98'),
        (21, 'XXI', 'Z00', 'Z99'),
        (22, 'XXII', 'U00', 'U85')
    ) as chapters (chapter_order, chapter, first_code, last_code)
),

-- effective upward referrals to an upper (out-of-county) hospital, by 3-character code
-- (null when the code is missing or not shaped like an ICD-10 code)
out_of_county_referrals as (
    select
        effective_referrals.*,
        case
            when regexp_matches(upper(trim(icd10)), '^[A-Z][0-9]{2}')
                then left(upper(trim(icd10)), 3)
        end as code3
    from effective_referrals
    where flow = 'up' and to_tier = 'upper_hospital'
),

final as (
    select
        out_of_county_referrals.*,
        icd10_chapters.chapter_order,
        icd10_chapters.chapter,
        icd10_chapters.first_code,
        icd10_chapters.last_code
    from out_of_county_referrals
    left join icd10_chapters
        on out_of_county_referrals.code3 between icd10_chapters.first_code and icd10_chapters.last_code
)

select * from final
