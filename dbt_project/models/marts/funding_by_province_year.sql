-- Money per old province × year × programme level, in whole đồng.
-- planned_projects, planned_budget_vnd and budget_execution_ratio come from the plans dataset,
-- which this version does not ingest yet: they are null until it does.
select
    province_code,
    any_value(province_name) as province_name,
    any_value(province_code_2025) as province_code_2025,
    year,
    program_level,
    count(*) as projects,
    sum(coalesce(central_budget_vnd, 0))::bigint as central_budget_vnd,
    sum(coalesce(local_budget_vnd, 0))::bigint as local_budget_vnd,
    sum(state_support_vnd)::bigint as state_support_vnd,
    sum(coalesce(beneficiary_contribution_vnd, 0))::bigint as beneficiary_contribution_vnd,
    sum(total_cost_vnd)::bigint as total_cost_vnd,
    round(sum(coalesce(beneficiary_contribution_vnd, 0)) / nullif(sum(state_support_vnd), 0), 4) as leverage_ratio,
    cast(null as integer) as planned_projects,
    cast(null as bigint) as planned_budget_vnd,
    cast(null as double) as budget_execution_ratio
from {{ ref('projects') }}
where province_code is not null
group by province_code, year, program_level
