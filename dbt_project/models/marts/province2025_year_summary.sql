-- The same headline figures rolled up to the 34 units of 2025 ("current boundaries"): the only
-- consistent series across the reform. Built from project rows, so distinct counts stay distinct.
with summary as (
    select * exclude (generation) from {{ ref('int_province_year_summary') }}
    where generation = '2025'
),

provinces as (
    select * from {{ ref('dim_province') }}
    where generation = '2025'
),

final as (
    select
        summary.province_code as province_code_2025,
        provinces.province_name as province_name_2025,
        provinces.region,
        summary.* exclude (province_code)
    from summary
    inner join provinces on summary.province_code = provinces.province_code
)

select * from final
