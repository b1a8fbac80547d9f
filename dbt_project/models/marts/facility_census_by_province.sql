-- Facilities per old province and census wave (survey year), with a count per facility type.
-- A facility is counted once per wave; `new_facilities` are those first seen in that wave, so the
-- running sum of new_facilities is the number of distinct facilities known so far. Counted by scope
-- in int_census_province_waves (a corrected census file recounts its province alone).
with waves as (
    select * from {{ ref('int_census_province_waves') }}
),

dim_province as (
    select * from {{ ref('dim_province') }}
),

final as (
    select
        waves.province_code,
        provinces.province_name,
        waves.province_code_2025,
        waves.survey_year,
        waves.facilities,
        waves.new_facilities,
        {% for t in facility_types() %}
            waves.{{ t }},
        {% endfor %}
        waves.employees,
        waves.revenue_vnd
    from waves
    left join dim_province as provinces
        on provinces.generation = 'pre2025' and provinces.province_code = waves.province_code
)

select * from final
