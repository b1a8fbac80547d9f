-- Productivity and revenue gains per old province and year of support. facilities_surveyed counts
-- every surveyed facility; facilities_with_gain only those with workers and output before and after.
with facility_outcomes as (
    select * from {{ ref('facility_outcomes') }}
),

final as (
    select
        province_code,
        any_value(province_name) as province_name,
        any_value(province_code_2025) as province_code_2025,
        year,
        {{ productivity_measures() }}
    from facility_outcomes
    where province_code is not null
    group by province_code, year
)

select * from final
