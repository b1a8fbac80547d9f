-- One surveyed facility's outcome of support: before/after measures and the gains, in percent.
-- The per-facility detail behind productivity_by_province_year (distributions, outliers).
select
    outcomes.*,
    provinces.province_name
from {{ ref('int_facility_outcomes') }} as outcomes
left join {{ ref('dim_province') }} as provinces
    on provinces.generation = 'pre2025' and provinces.province_code = outcomes.province_code
