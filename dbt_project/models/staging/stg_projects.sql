-- One accepted project row, renamed and typed; amounts already in whole đồng.
with source as (
    select * from {{ source('raw', 'projects') }}
),

final as (
    select
        {{ source_row_key() }} as project_key,
        project_code,
        project_name,
        province_code,
        province_code_2025,
        province_source,
        year,
        program_level,
        program_level_raw,
        coalesce(support_content_raw, project_name) as support_content_text,
        support_content_raw,
        beneficiary_name,
        coalesce(beneficiary_type, case when beneficiary_name is not null then 'other' end) as beneficiary_type,
        beneficiary_types,
        beneficiary_keys,
        beneficiary_type_raw,
        location,
        location_key,
        status,
        status_raw,
        central_budget_vnd,
        local_budget_vnd,
        beneficiary_contribution_vnd,
        total_cost_vnd as reported_total_cost_vnd,
        jobs_created,
        trainees,
        approved_on,
        approved_on_precision,
        source_file,
        source_sheet,
        source_row,
        source_sha256
    from source
)

select * from final
