{# Headline figures per province and year, all programme levels together. One macro for both
   views so that the "as reported" (old provinces) and "current boundaries" (34 units) summaries
   cannot drift apart. Distinct beneficiaries are counted afresh at each grain, never summed. #}
{% macro province_year_summary(province_column) %}
with projects as (
    select * from {{ ref('projects') }}
    where {{ province_column }} is not null
),

beneficiaries as (
    select * from {{ ref('project_beneficiaries') }}
    where {{ province_column }} is not null and beneficiary_type <> 'other'
),

project_totals as (
    select
        {{ province_column }} as province_code,
        year,
        count(*) as projects,
        count(*) filter (where program_level = 'national') as national_projects,
        count(*) filter (where program_level = 'local') as local_projects,
        count(*) filter (where status = 'completed') as projects_completed,
        sum(coalesce(central_budget_vnd, 0))::bigint as central_budget_vnd,
        sum(coalesce(local_budget_vnd, 0))::bigint as local_budget_vnd,
        sum(state_support_vnd)::bigint as state_support_vnd,
        sum(coalesce(beneficiary_contribution_vnd, 0))::bigint as beneficiary_contribution_vnd,
        sum(total_cost_vnd)::bigint as total_cost_vnd,
        sum(coalesce(jobs_created, 0))::bigint as jobs_created,
        sum(coalesce(trainees, 0))::bigint as trainees
    from projects
    group by all
),

beneficiary_totals as (
    select
        {{ province_column }} as province_code,
        year,
        count(distinct beneficiary_key) as distinct_beneficiaries
    from beneficiaries
    group by all
)

select
    p.*,
    coalesce(b.distinct_beneficiaries, 0) as distinct_beneficiaries,
    round(p.beneficiary_contribution_vnd / nullif(p.state_support_vnd, 0), 4) as leverage_ratio,
    round(p.state_support_vnd / nullif(p.jobs_created, 0))::bigint as state_support_per_job_vnd
from project_totals as p
left join beneficiary_totals as b using (province_code, year)
{% endmacro %}
