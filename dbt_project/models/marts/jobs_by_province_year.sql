-- Jobs and training per old province × year × programme level.
with projects as (
    select * from {{ ref('projects') }}
),

final as (
    select
        province_code,
        any_value(province_name) as province_name,
        any_value(province_code_2025) as province_code_2025,
        year,
        program_level,
        sum(coalesce(jobs_created, 0))::bigint as jobs_created,
        sum(coalesce(trainees, 0))::bigint as trainees,
        sum(coalesce(jobs_created, 0)) filter (where support_content = 'demo_model')::bigint as jobs_created_demo_model,
        sum(state_support_vnd)::bigint as state_support_vnd,
        round(sum(state_support_vnd) / nullif(sum(coalesce(jobs_created, 0)), 0))::bigint as state_support_per_job_vnd
    from projects
    where province_code is not null
    group by province_code, year, program_level
)

select * from final
