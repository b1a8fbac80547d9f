-- Money per old province × year × programme level, in whole đồng, beside the plan for it.
-- A plan line without any project (nothing carried out yet) still gives a row, with zero spending;
-- budget_execution_ratio = state support spent ÷ planned budget.
with projects as (
    select * from {{ ref('projects') }}
),

int_plans as (
    select * from {{ ref('int_plans') }}
),

dim_province as (
    select * from {{ ref('dim_province') }}
),

spent as (
    select
        province_code,
        year,
        program_level,
        any_value(province_code_2025) as province_code_2025,
        count(*) as projects,
        sum(coalesce(central_budget_vnd, 0))::bigint as central_budget_vnd,
        sum(coalesce(local_budget_vnd, 0))::bigint as local_budget_vnd,
        sum(state_support_vnd)::bigint as state_support_vnd,
        sum(coalesce(beneficiary_contribution_vnd, 0))::bigint as beneficiary_contribution_vnd,
        sum(total_cost_vnd)::bigint as total_cost_vnd
    from projects
    where province_code is not null
    group by province_code, year, program_level
),

plans as (
    select * from int_plans where province_code is not null
),

joined as (
    select
        coalesce(spent.province_code, plans.province_code) as province_code,
        coalesce(spent.province_code_2025, plans.province_code_2025) as province_code_2025,
        coalesce(spent.year, plans.year) as year,
        coalesce(spent.program_level, plans.program_level) as program_level,
        coalesce(spent.projects, 0) as projects,
        coalesce(spent.central_budget_vnd, 0)::bigint as central_budget_vnd,
        coalesce(spent.local_budget_vnd, 0)::bigint as local_budget_vnd,
        coalesce(spent.state_support_vnd, 0)::bigint as state_support_vnd,
        coalesce(spent.beneficiary_contribution_vnd, 0)::bigint as beneficiary_contribution_vnd,
        coalesce(spent.total_cost_vnd, 0)::bigint as total_cost_vnd,
        plans.planned_projects,
        plans.approved_projects,
        plans.planned_budget_vnd
    from spent
    full outer join plans using (province_code, year, program_level)
),

final as (
    select
        joined.province_code,
        provinces.province_name,
        joined.province_code_2025,
        joined.year,
        joined.program_level,
        joined.projects,
        joined.central_budget_vnd,
        joined.local_budget_vnd,
        joined.state_support_vnd,
        joined.beneficiary_contribution_vnd,
        joined.total_cost_vnd,
        round(joined.beneficiary_contribution_vnd / nullif(joined.state_support_vnd, 0), 4) as leverage_ratio,
        joined.planned_projects,
        joined.approved_projects,
        joined.planned_budget_vnd,
        round(joined.state_support_vnd / nullif(joined.planned_budget_vnd, 0), 4) as budget_execution_ratio
    from joined
    left join dim_province as provinces
        on provinces.generation = 'pre2025' and provinces.province_code = joined.province_code
)

select * from final
