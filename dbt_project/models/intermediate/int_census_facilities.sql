-- One distinct rural-industry facility as the census waves describe it (int_census_facility_keys):
-- descriptive columns from its latest wave, its name from the latest row that carried the code.
-- Census rows only, so a refresh that changes projects does not rebuild it (at national scale it
-- merges about 600,000 rows: most of the facilities mart's cost). marts.facilities adds the support.
-- Built by scope: a refresh recomputes only the scopes whose census rows changed (macros/census_scopes.sql).
{{ census_scoped_model('stg_census') }}

with stg_census as (
    {{ census_scope_rows(ref('stg_census'), ref('stg_census')) }}
),

int_census_facility_keys as (
    {{ census_scope_rows(ref('int_census_facility_keys'), ref('stg_census')) }}
),

dim_province as (
    select * from {{ ref('dim_province') }}
),

-- each facility's rows ranked on the ordering columns alone, and the chosen rows' descriptions looked
-- up afterwards: ranking whole rows sorted every column of 600,000 rows (national: 2.5 s → 2.0 s)
ranked as (
    select
        keys.facility_key,
        keys.match_scope,
        keys.scope_digest,
        keys.matched_code,
        census.census_row_key,
        census.facility_code,
        census.survey_year,
        -- the latest wave's row: descriptive columns and measures
        row_number() over (
            partition by keys.facility_key
            order by
                census.survey_year desc,
                (census.facility_code is not null) desc,
                census.source_file,
                census.source_row
        ) as latest_rank,
        -- the name as the census itself recorded it with the code (a code-less re-survey may re-type
        -- it, e.g. in capitals)
        row_number() over (
            partition by keys.facility_key
            order by
                (census.facility_code is not null) desc,
                census.survey_year desc,
                census.source_file,
                census.source_row
        ) as named_rank
    from stg_census as census
    inner join int_census_facility_keys as keys using (census_row_key)
),

waves as (
    select
        facility_key,
        -- one scope per facility: its key is made from it (int_census_facility_keys)
        any_value(match_scope) as match_scope,
        any_value(scope_digest) as scope_digest,
        max(coalesce(facility_code, matched_code)) as facility_code,
        min(survey_year) as first_survey_year,
        max(survey_year) as last_survey_year,
        count(distinct survey_year) as waves,
        count(*) as census_rows,
        any_value(census_row_key) filter (where latest_rank = 1) as latest_row_key,
        any_value(census_row_key) filter (where named_rank = 1) as named_row_key
    from ranked
    group by facility_key
),

final as (
    select
        waves.facility_key,
        waves.match_scope,
        waves.scope_digest,
        waves.facility_code,
        named.facility_name,
        latest.facility_type,
        latest.industry,
        latest.commune,
        latest.district,
        latest.province_code,
        provinces.province_name,
        latest.province_code_2025,
        latest.employees,
        latest.revenue_vnd,
        latest.founded_year,
        waves.first_survey_year,
        waves.last_survey_year,
        waves.waves,
        waves.census_rows,
        latest.source_file,
        latest.source_sheet,
        latest.source_row
    from waves
    inner join stg_census as latest on waves.latest_row_key = latest.census_row_key
    inner join stg_census as named on waves.named_row_key = named.census_row_key
    left join dim_province as provinces
        on provinces.generation = 'pre2025' and provinces.province_code = latest.province_code
)

select * from final
