-- One distinct rural-industry facility as the census waves describe it (int_census_facility_keys):
-- descriptive columns from its latest wave, its name from the latest row that carried the code.
-- Census rows only, so a refresh that changes projects does not rebuild it (at national scale it
-- merges about 600,000 rows: most of the facilities mart's cost). marts.facilities adds the support.
with stg_census as (
    select * from {{ ref('stg_census') }}
),

int_census_facility_keys as (
    select * from {{ ref('int_census_facility_keys') }}
),

dim_province as (
    select * from {{ ref('dim_province') }}
),

census as (
    select census.*, keys.facility_key, keys.matched_code, keys.match_rule
    from stg_census as census
    inner join int_census_facility_keys as keys using (census_row_key)
),

latest as (
    select *
    from census
    qualify
        row_number() over (
            partition by facility_key
            order by survey_year desc, (facility_code is not null) desc, source_file, source_row
        ) = 1
),

-- the name as the census itself recorded it with the code (a code-less re-survey may re-type it,
-- e.g. in capitals); the measures stay those of the latest wave
named as (
    select facility_key, facility_name
    from census
    qualify
        row_number() over (
            partition by facility_key
            order by (facility_code is not null) desc, survey_year desc, source_file, source_row
        ) = 1
),

waves as (
    select
        facility_key,
        max(coalesce(facility_code, matched_code)) as facility_code,
        min(survey_year) as first_survey_year,
        max(survey_year) as last_survey_year,
        count(distinct survey_year) as waves,
        count(*) as census_rows
    from census
    group by facility_key
),

final as (
    select
        latest.facility_key,
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
    from latest
    inner join waves using (facility_key)
    inner join named using (facility_key)
    left join dim_province as provinces
        on provinces.generation = 'pre2025' and provinces.province_code = latest.province_code
)

select * from final
