-- Headline figures per old province × year ("as reported"), all programme levels together.
with summary as (
    select * exclude (generation) from {{ ref('int_province_year_summary') }}
    where generation = 'pre2025'
),

provinces as (
    select * from {{ ref('dim_province') }}
    where generation = 'pre2025'
),

final as (
    select
        summary.province_code,
        provinces.province_name,
        provinces.province_code_2025,
        provinces.province_name_2025,
        provinces.region,
        summary.* exclude (province_code)
    from summary
    inner join provinces on summary.province_code = provinces.province_code
)

select * from final
