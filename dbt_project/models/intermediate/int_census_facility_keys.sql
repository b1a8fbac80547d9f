-- Which distinct facility each census row is. The rule (reporting-forms.md, issue 3):
--   1. rows with a facility code are the same facility when their codes are equal (within the
--      province: codes are provincial); a code of digits only is compared as a number, so "00017"
--      and 17 (what Excel makes of it) are one code (macros/code_key.sql);
--   2. a row without a code is the facility whose coded rows carry the same normalised name in the
--      same commune of the same province; if none does, it is a facility of its own, identified by
--      that name and commune (so two code-less rows with the same name and commune are one).
-- Normalised means pipelines/ingest/text.py:name_key: NFC, one tone placement, case, spacing and
-- punctuation ignored. Two facilities with the same name in different communes stay apart.
-- Built by scope: a refresh recomputes only the scopes whose census rows changed (macros/census_scopes.sql).
{{ census_scoped_model('stg_census') }}

with census as (
    {{ census_scope_rows(ref('stg_census'), ref('stg_census')) }}
),

coded_names as (
    -- name + commune → code, from the rows that have both; ambiguous pairs take the lowest code
    select match_scope, facility_name_key, commune_key, min(facility_code_key) as facility_code
    from census
    where facility_code_key is not null
    group by all
),

keyed as (
    select
        census.census_row_key,
        census.match_scope,
        census.scope_digest,
        coalesce(census.facility_code_key, coded_names.facility_code) as matched_code,
        case
            when census.facility_code_key is not null then 'code'
            when coded_names.facility_code is not null then 'name_commune_to_code'
            else 'name_commune'
        end as match_rule,
        census.facility_name_key,
        census.commune_key
    from census
    left join coded_names
        on census.facility_code_key is null
        and coded_names.match_scope = census.match_scope
        and coded_names.facility_name_key = census.facility_name_key
        and coded_names.commune_key = census.commune_key
),

final as (
    select
        census_row_key,
        match_scope,
        scope_digest,
        md5(
            case
                when matched_code is not null then concat_ws('|', match_scope, 'code', matched_code)
                else concat_ws('|', match_scope, 'name', facility_name_key, commune_key)
            end
        ) as facility_key,
        matched_code,
        match_rule
    from keyed
)

select * from final
