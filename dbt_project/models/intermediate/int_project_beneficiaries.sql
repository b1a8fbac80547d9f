-- One row per project × beneficiary. A cell may name several facilities ("Công ty A; Công ty B");
-- each has its own type (a cell naming several facilities is typed by each name's legal form);
-- the same facility is recognised across years by its folded name within its 2025 province.
with projects as (
    select project_key, province_code, province_code_2025, year, program_level, beneficiary_name, beneficiary_types
    from {{ ref('stg_projects') }}
    where beneficiary_name is not null
),

split as (
    select
        projects.*,
        trim(unnest(string_split(beneficiary_name, ';'))) as single_name,
        -- beneficiary_types is aligned with the names: unnest walks both lists in step
        trim(unnest(string_split(coalesce(beneficiary_types, 'other'), ';'))) as single_type
    from projects
)

select
    project_key,
    md5(concat_ws('|', province_code_2025, {{ fold_text('single_name') }})) as beneficiary_key,
    single_name as beneficiary_name,
    coalesce(single_type, 'other') as beneficiary_type,
    province_code,
    province_code_2025,
    year,
    program_level
from split
where single_name <> ''
qualify row_number() over (partition by project_key, beneficiary_key order by single_name) = 1
