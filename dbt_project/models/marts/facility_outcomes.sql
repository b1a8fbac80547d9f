-- One surveyed facility's outcome of support: before/after measures and the gains, in percent.
-- The per-facility detail behind productivity_by_province_year (distributions, outliers).
with int_facility_outcomes as (
    select * from {{ ref('int_facility_outcomes') }}
),

dim_province as (
    select * from {{ ref('dim_province') }}
),

final as (
    select
        outcomes.*,
        provinces.province_name
    from int_facility_outcomes as outcomes
    left join dim_province as provinces
        on provinces.generation = 'pre2025' and provinces.province_code = outcomes.province_code
)

select * from final
