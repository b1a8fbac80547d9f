-- One plan line (province × year × programme level), as read. Several lines of one file for the
-- same key (e.g. two local lines) are summed in int_plans.
with raw_plans as (
    select * from {{ source('raw', 'plans') }}
),

final as (
    select
        province_code,
        province_code_2025,
        year,
        program_level,
        planned_projects,
        approved_projects,
        planned_budget_vnd,
        source_file,
        source_sheet,
        source_row
    from raw_plans
)

select * from final
