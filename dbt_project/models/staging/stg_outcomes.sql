-- One supported facility measured before and after support, as read.
with raw_outcomes as (
    select * from {{ source('raw', 'outcomes') }}
),

final as (
    select
        {{ source_row_key() }} as outcome_key,
        coalesce('pre2025:' || province_code, '2025:' || province_code_2025) as match_scope,
        nullif(trim(project_code), '') as project_code,
        nullif(trim(facility_code), '') as facility_code,
        {{ code_key('facility_code') }} as facility_code_key,
        facility_name,
        facility_name_key,
        output_unit,
        output_before,
        output_after,
        workers_before,
        workers_after,
        new_jobs,
        revenue_before_vnd,
        revenue_after_vnd,
        year as survey_year,
        support_year,
        province_code,
        province_code_2025,
        source_file,
        source_sheet,
        source_row
    from raw_outcomes
)

select * from final
