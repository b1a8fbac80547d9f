with raw_ref_province_mapping as (
    select * from {{ source('raw', 'ref_province_mapping') }}
),

final as (
    select
        province_code,
        province_code_2025
    from raw_ref_province_mapping
)

select * from final
