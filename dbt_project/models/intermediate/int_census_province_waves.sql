-- Facilities per old province and census wave, with a count per facility type: the census's part of
-- marts.facility_census_by_province. A facility is counted once per wave; `new_facilities` are those
-- first seen in that wave. Built by scope (macros/census_scopes.sql): an old province is one scope and
-- a facility never leaves its scope, so a corrected census file recomputes its province alone.
{{ census_scoped_model('stg_census') }}

with stg_census as (
    {{ census_scope_rows(ref('stg_census'), ref('stg_census')) }}
),

int_census_facility_keys as (
    {{ census_scope_rows(ref('int_census_facility_keys'), ref('stg_census')) }}
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
        per_wave.match_scope,
        any_value(per_wave.scope_digest) as scope_digest,
        per_wave.province_code,
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
    group by per_wave.match_scope, per_wave.province_code, per_wave.survey_year
)

select * from final
