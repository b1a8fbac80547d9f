-- Headline figures per old province × year ("as reported"), all programme levels together.
with summary as (
    {{ province_year_summary('province_code') }}
)

select
    summary.province_code,
    dim.province_name,
    dim.province_code_2025,
    dim.province_name_2025,
    dim.region,
    summary.* exclude (province_code)
from summary
inner join {{ ref('dim_province') }} as dim
    on dim.province_code = summary.province_code and dim.generation = 'pre2025'
