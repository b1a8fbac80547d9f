-- The same headline figures rolled up to the 34 units of 2025 ("current boundaries"): the only
-- consistent series across the reform. Built from project rows, so distinct counts stay distinct.
with summary as (
    {{ province_year_summary('province_code_2025') }}
)

select
    summary.province_code as province_code_2025,
    dim.province_name as province_name_2025,
    dim.region,
    summary.* exclude (province_code)
from summary
inner join {{ ref('dim_province') }} as dim
    on dim.province_code = summary.province_code and dim.generation = '2025'
