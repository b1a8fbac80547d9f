select
    province_code,
    province_code_2025
from {{ source('raw', 'ref_province_mapping') }}
