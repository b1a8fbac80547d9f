-- Facilities per old province and census wave (survey year), with a count per facility type.
-- A facility is counted once per wave; `new_facilities` are those first seen in that wave, so the
-- running sum of new_facilities is the number of distinct facilities known so far.
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
    select census.*, keys.facility_key
    from stg_census as census
    inner join int_census_facility_keys as keys using (census_row_key)
    where census.province_code is not null
),

per_wave as (
    select *
    from census
    qualify row_number() over (partition by province_code, survey_year, facility_key order by source_file, source_row)
        = 1
),

first_seen as (
    select facility_key, min(survey_year) as first_survey_year from census group by facility_key
),

final as (
    select
        per_wave.province_code,
        any_value(provinces.province_name) as province_name,
        any_value(per_wave.province_code_2025) as province_code_2025,
        per_wave.survey_year,
        count(*) as facilities,
        count(*) filter (where first_seen.first_survey_year = per_wave.survey_year) as new_facilities,
        {% for t in facility_types() %}
            count(*) filter (where per_wave.facility_type = '{{ t }}') as {{ t }},
        {% endfor %}
        sum(per_wave.employees)::bigint as employees,
        sum(per_wave.revenue_vnd)::bigint as revenue_vnd
    from per_wave
    inner join first_seen using (facility_key)
    left join dim_province as provinces
        on provinces.generation = 'pre2025' and provinces.province_code = per_wave.province_code
    group by per_wave.province_code, per_wave.survey_year
)

select * from final
