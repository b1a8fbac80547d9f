-- Both generations of provinces in one dimension: 63 pre-2025 (generation 'pre2025') and the 34
-- units of 2025 (generation '2025'), each with the 2025 unit it belongs to and a centroid.
with old as (
    select * from {{ ref('stg_provinces_pre2025') }}
),

new as (
    select * from {{ ref('stg_provinces_2025') }}
),

mapping as (
    select * from {{ ref('stg_province_mapping') }}
),

regions as (
    select * from {{ ref('province_regions') }}
),

-- A 2025 unit takes the region of the old province whose code it kept (else the lowest code).
new_regions as (
    select
        mapping.province_code_2025,
        regions.region
    from mapping
    inner join regions using (province_code)
    qualify
        row_number() over (
            partition by mapping.province_code_2025
            order by (mapping.province_code = mapping.province_code_2025) desc, mapping.province_code
        ) = 1
),

final as (
    select
        'pre2025:' || old.province_code as province_key,
        old.province_code,
        old.province_name,
        old.province_full_name,
        'pre2025' as generation,
        mapping.province_code_2025,
        new.province_name as province_name_2025,
        regions.region,
        old.latitude,
        old.longitude
    from old
    inner join mapping using (province_code)
    inner join new on new.province_code = mapping.province_code_2025
    left join regions using (province_code)

    union all

    select
        '2025:' || new.province_code as province_key,
        new.province_code,
        new.province_name,
        new.province_full_name,
        '2025' as generation,
        new.province_code as province_code_2025,
        new.province_name as province_name_2025,
        new_regions.region,
        new.latitude,
        new.longitude
    from new
    left join new_regions on new_regions.province_code_2025 = new.province_code
)

select * from final
