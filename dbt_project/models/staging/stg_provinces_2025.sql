with raw_ref_provinces_2025 as (
    select * from {{ source('raw', 'ref_provinces_2025') }}
),

final as (
    select
        province_code,
        province_name,
        province_full_name,
        province_key,
        latitude::double as latitude,
        longitude::double as longitude
    from raw_ref_provinces_2025
)

select * from final
