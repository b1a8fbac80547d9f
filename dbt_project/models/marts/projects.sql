-- One extension project (đề án), with amounts in whole đồng and its source row.
with projects as (
    select * from {{ ref('stg_projects') }}
),

content as (
    select * from {{ ref('int_project_support_content') }}
),

dim_province as (
    select * from {{ ref('dim_province') }}
),

old_provinces as (
    select province_code, province_name from dim_province where generation = 'pre2025'
),

new_provinces as (
    select province_code, province_name from dim_province where generation = '2025'
),

final as (
    select
        projects.project_key,
        projects.project_code,
        projects.project_name,
        projects.province_code,
        old_provinces.province_name,
        projects.province_code_2025,
        new_provinces.province_name as province_name_2025,
        projects.year,
        projects.program_level,
        content.support_content,
        projects.support_content_raw,
        projects.beneficiary_name,
        projects.beneficiary_type,
        projects.status,
        projects.location,
        projects.central_budget_vnd,
        projects.local_budget_vnd,
        (coalesce(projects.central_budget_vnd, 0) + coalesce(projects.local_budget_vnd, 0))::bigint
            as state_support_vnd,
        projects.beneficiary_contribution_vnd,
        coalesce(
            projects.reported_total_cost_vnd,
            coalesce(projects.central_budget_vnd, 0) + coalesce(projects.local_budget_vnd, 0)
            + coalesce(projects.beneficiary_contribution_vnd, 0)
        )::bigint as total_cost_vnd,
        projects.reported_total_cost_vnd is not null as total_cost_reported,
        projects.jobs_created,
        projects.trainees,
        projects.approved_on,
        projects.approved_on_precision,
        projects.province_source,
        projects.source_file,
        projects.source_sheet,
        projects.source_row,
        projects.source_sha256
    from projects
    inner join content using (project_key)
    left join old_provinces on old_provinces.province_code = projects.province_code
    left join new_provinces on new_provinces.province_code = projects.province_code_2025
)

select * from final
