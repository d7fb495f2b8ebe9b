-- Cell parsers for the importer: one macro per contract type (sinkview/contract.py TYPES).
-- The importer cleans each cell once (trimmed by pyarrow, then sv_clean_trimmed or
-- sv_text_trimmed: half-width, null when empty); every
-- parser takes that clean text and returns the typed value, or null when it cannot be read;
-- the importer reports "not empty but null" as an error on that row.

-- Full-width ASCII forms (１２３，ＡＢＣ) and the ideographic space to their half-width forms.
create or replace temp macro sv_halfwidth(s) as translate(s, '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　', '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ ');

-- Cleaning a text that was not trimmed yet (an item of an institution list): trimmed,
-- half-width, null when empty. translate() is slow, so only a cell that holds a full-width form
-- pays for it; a plain-ASCII cell (byte length = character length) takes the fast path.
create or replace temp macro sv_clean(s) as
    nullif(case when strlen(s) = length(s) then trim(s, chr(32) || chr(9) || chr(13) || chr(10))
                when regexp_matches(s, '[\x{FF01}-\x{FF5E}\x{3000}]')
                then trim(sv_halfwidth(s), chr(32) || chr(9) || chr(13) || chr(10) || chr(160))
                else trim(s, chr(32) || chr(9) || chr(13) || chr(10) || chr(160)) end, '');

-- The same for a cell already trimmed (reader.trim_cells: pyarrow trims a whole column in one
-- vectorised pass, ~20x faster than trim() with a character set here); text columns keep
-- their full-width forms.
create or replace temp macro sv_text_trimmed(s) as nullif(s, '');

-- nullif() repeats its argument: the translation sits inside it, so a plain cell pays for
-- none of it.
create or replace temp macro sv_clean_trimmed(s) as
    case when strlen(s) <> length(s) and regexp_matches(s, '[\x{FF01}-\x{FF5E}\x{3000}]')
         then nullif(trim(sv_halfwidth(s), chr(32) || chr(9) || chr(13) || chr(10) || chr(160)), '')
         else nullif(s, '') end;

create or replace temp macro sv_number_text(s) as replace(s, ',', '');

-- Whole, not negative; `12.0` (a float from Excel) is accepted as 12.
create or replace temp macro sv_count(s) as
    case when regexp_full_match(sv_number_text(s), '\d{1,15}(\.0+)?')
         then cast(split_part(sv_number_text(s), '.', 1) as bigint) end;

create or replace temp macro sv_decimal(s) as
    case when regexp_full_match(sv_number_text(s), '[-+]?(\d+(\.\d*)?|\.\d+)')
         then cast(sv_number_text(s) as double) end;

-- 2025-03-05, 2025/3/5, 2025.3.5, 2025年3月5日, 20250305; a time of day is dropped.
create or replace temp macro sv_date_parts(s) as
    regexp_extract(s, '^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$',
                   ['y', 'm', 'd']);

create or replace temp macro sv_ymd(y, m, d) as try_strptime(y || '-' || m || '-' || d, '%Y-%m-%d')::date;

-- The common forms take a cast (no regex): 2025-03-05, and 2025-03-05 14:23:11 as platforms
-- write it; the cast checks the calendar and the clock as the regex path would. Their shape is
-- tested by byte length, comparison and LIKE (a plain-ASCII text of that many characters whose
-- first digit is 1 or 2): half the cost of taking characters out of it.
create or replace temp macro sv_date(s) as
    case when strlen(s) = 10 and s >= '1' and s < '3' and s like '____-__-__'
         then try_cast(s as date)
         when strlen(s) = 19 and s like '____-__-__ __:__:__'
         then try_cast(s as timestamp)::date
         when regexp_full_match(s, '\d{8}')
         then sv_ymd(substr(s, 1, 4), substr(s, 5, 2), substr(s, 7, 2))
         else sv_ymd(sv_date_parts(s).y, sv_date_parts(s).m, sv_date_parts(s).d) end;

-- Written in one of the date forms above, whether or not the calendar has that day (an error
-- then says the date does not exist rather than that its form is not understood).
create or replace temp macro sv_date_shaped(s) as
    regexp_full_match(s, '\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?|\d{8}');

-- A month: 2025-09, 2025/9, 2025年9月, 202509, or a date (its month). Returns the first day.
create or replace temp macro sv_month_parts(s) as
    regexp_extract(s, '^(\d{4})(?:[-/.年]?)(\d{1,2})月?$', ['y', 'm']);

create or replace temp macro sv_month(s) as
    coalesce(
        case when regexp_full_match(s, '\d{4}[-/.年]\d{1,2}月?|\d{6}')
             then sv_ymd(sv_month_parts(s).y, sv_month_parts(s).m, '1') end,
        date_trunc('month', sv_date(s))::date);

-- A reporting period, stored as its last day: 2025-Q3, 2025Q3, 2025年第三季度, a month, a year
-- (2025, 2025年) or a date (that day).
create or replace temp macro sv_quarter_parts(s) as
    regexp_extract(upper(s), '^(\d{4})(?:-?Q|年第)([1-4一二三四])(?:季度)?$', ['y', 'q']);

create or replace temp macro sv_quarter_number(q) as
    case q when '一' then 1 when '二' then 2 when '三' then 3 when '四' then 4 else try_cast(q as integer) end;

create or replace temp macro sv_period_end(s) as
    coalesce(
        sv_date(s),
        last_day(sv_ymd(sv_quarter_parts(s).y,
                        cast(sv_quarter_number(sv_quarter_parts(s).q) * 3 as varchar), '1')),
        last_day(sv_month(s)),
        case when regexp_full_match(s, '\d{4}年?') then sv_ymd(substr(s, 1, 4), '12', '31') end);

-- PRC resident identity number (18 characters, ISO 7064 MOD 11-2 check digit) or mainland mobile.
create or replace temp macro sv_is_identity_number(k) as
    case when length(k) <> 18 or not regexp_full_match(k, '\d{17}[0-9Xx]') then false else
    substr('10X98765432',
               (list_sum([cast(substr(k, i, 1) as integer) * [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][i]
                          for i in range(1, 18)]) % 11)::bigint + 1, 1) = upper(substr(k, 18, 1)) end;

create or replace temp macro sv_is_mobile(k) as
    case when length(k) <> 11 then false else regexp_full_match(k, '1[3-9]\d{9}') end;

-- HMAC-SHA256(key, k) from the key's inner and outer pads (RFC 2104), hex-encoded.
create or replace temp macro sv_hmac(k, inner_pad, outer_pad) as
    sha256(outer_pad || unhex(sha256(inner_pad || encode(k))));

-- An institution's name as references compare it: full-width folded, every space removed
-- (ASCII, ideographic, non-breaking), Latin letters lower-cased.
create or replace temp macro sv_name_key(s) as
    nullif(lower(regexp_replace(sv_halfwidth(s), '[\s\x{00A0}\x{3000}]+', '', 'g')), '');

-- An identity value (ID card, phone, outpatient/inpatient number) as it is hashed into a
-- derived patient key: half-width, no spaces or dashes, upper-case (the ID check letter X).
create or replace temp macro sv_identity_norm(s) as
    nullif(upper(regexp_replace(sv_halfwidth(s), '[\s\x{00A0}\-]+', '', 'g')), '');
