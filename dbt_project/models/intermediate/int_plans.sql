-- Plan lines summed to province × year × programme level (a plan may list a level on two lines).
with stg_plans as (
    select * from {{ ref('stg_plans') }}
),

final as (
    select
        province_code,
        province_code_2025,
        year,
        program_level,
        sum(planned_projects)::integer as planned_projects,
        sum(approved_projects)::integer as approved_projects,
        sum(planned_budget_vnd)::bigint as planned_budget_vnd
    from stg_plans
    group by all
)

select * from final
