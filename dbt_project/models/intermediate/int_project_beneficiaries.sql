-- One row per project × beneficiary. A cell may name several facilities ("Công ty A; Công ty B");
-- each has its own type (a cell naming several facilities is typed by each name's legal form) and
-- its own matching key (name_key, computed at ingestion). The same beneficiary is recognised across
-- years by that key within its 2025 province.
with stg_projects as (
    select * from {{ ref('stg_projects') }}
),

projects as (
    select
        project_key, province_code, province_code_2025, year, program_level, location_key,
        beneficiary_name, beneficiary_keys, beneficiary_types
    from stg_projects
    where beneficiary_name is not null
),

split as (
    -- the three lists are aligned: unnest walks them in step
    select
        projects.* exclude (beneficiary_name, beneficiary_keys, beneficiary_types),
        trim(unnest(string_split(beneficiary_name, ';'))) as single_name,
        trim(unnest(string_split(beneficiary_keys, ';'))) as name_key,
        trim(unnest(string_split(coalesce(beneficiary_types, 'other'), ';'))) as single_type
    from projects
),

final as (
    select
        project_key,
        md5(concat_ws('|', province_code_2025, name_key)) as beneficiary_key,
        single_name as beneficiary_name,
        name_key,
        coalesce(single_type, 'other') as beneficiary_type,
        province_code,
        province_code_2025,
        location_key,
        year,
        program_level
    from split
    where single_name <> ''
    qualify row_number() over (partition by project_key, beneficiary_key order by single_name) = 1
)

select * from final
