select
    province_code,
    province_name,
    province_full_name,
    province_key,
    latitude::double as latitude,
    longitude::double as longitude
from {{ source('raw', 'ref_provinces_pre2025') }}
