-- Headline figures per province and year, all programme levels together, at both grains: the old
-- provinces ("as reported", generation pre2025) and the 34 units of 2025 ("current boundaries"). One
-- model for both, so that the two summary marts cannot drift apart. Distinct beneficiaries and facility
-- medians are computed afresh at each grain from row-level marts, never summed or averaged.
with projects as (
    select * from {{ ref('projects') }}
),

project_beneficiaries as (
    select * from {{ ref('project_beneficiaries') }}
),

int_plans as (
    select * from {{ ref('int_plans') }}
),

facility_outcomes as (
    select * from {{ ref('facility_outcomes') }}
),

projects_by_grain as (
    {{ at_both_grains('projects') }}
),

beneficiaries_by_grain as (
    {{ at_both_grains('project_beneficiaries') }}
    where grain_rows.beneficiary_type <> 'other'
),

plans_by_grain as (
    {{ at_both_grains('int_plans') }}
),

outcomes_by_grain as (
    {{ at_both_grains('facility_outcomes') }}
),

project_totals as (
    select
        generation,
        summary_code as province_code,
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
    from projects_by_grain
    where summary_code is not null
    group by all
),

beneficiary_totals as (
    select
        generation,
        summary_code as province_code,
        year,
        count(distinct beneficiary_key) as distinct_beneficiaries
    from beneficiaries_by_grain
    where summary_code is not null
    group by all
),

plan_totals as (
    select
        generation,
        summary_code as province_code,
        year,
        sum(planned_projects)::integer as planned_projects,
        sum(approved_projects)::integer as approved_projects,
        sum(planned_budget_vnd)::bigint as planned_budget_vnd
    from plans_by_grain
    where summary_code is not null
    group by all
),

productivity as (
    select
        generation,
        summary_code as province_code,
        year,
        {{ productivity_measures() }}
    from outcomes_by_grain
    where summary_code is not null
    group by all
),

province_years as (
    select generation, province_code, year from project_totals
    union
    select generation, province_code, year from plan_totals
    union
    select generation, province_code, year from productivity
),

final as (
    select
        k.generation,
        k.province_code,
        k.year,
        coalesce(p.projects, 0) as projects,
        coalesce(p.national_projects, 0) as national_projects,
        coalesce(p.local_projects, 0) as local_projects,
        coalesce(p.projects_completed, 0) as projects_completed,
        coalesce(b.distinct_beneficiaries, 0) as distinct_beneficiaries,
        coalesce(p.central_budget_vnd, 0)::bigint as central_budget_vnd,
        coalesce(p.local_budget_vnd, 0)::bigint as local_budget_vnd,
        coalesce(p.state_support_vnd, 0)::bigint as state_support_vnd,
        coalesce(p.beneficiary_contribution_vnd, 0)::bigint as beneficiary_contribution_vnd,
        coalesce(p.total_cost_vnd, 0)::bigint as total_cost_vnd,
        round(p.beneficiary_contribution_vnd / nullif(p.state_support_vnd, 0), 4) as leverage_ratio,
        coalesce(p.jobs_created, 0)::bigint as jobs_created,
        coalesce(p.trainees, 0)::bigint as trainees,
        round(p.state_support_vnd / nullif(p.jobs_created, 0))::bigint as state_support_per_job_vnd,
        plan.planned_projects,
        plan.approved_projects,
        plan.planned_budget_vnd,
        round(coalesce(p.state_support_vnd, 0) / nullif(plan.planned_budget_vnd, 0), 4) as budget_execution_ratio,
        coalesce(prod.facilities_surveyed, 0) as facilities_surveyed,
        coalesce(prod.facilities_with_gain, 0) as facilities_with_gain,
        prod.productivity_gain_median_pct,
        prod.productivity_gain_mean_pct,
        prod.revenue_gain_median_pct,
        prod.revenue_gain_mean_pct,
        prod.new_jobs
    from province_years as k
    left join project_totals as p using (generation, province_code, year)
    left join beneficiary_totals as b using (generation, province_code, year)
    left join plan_totals as plan using (generation, province_code, year)
    left join productivity as prod using (generation, province_code, year)
)

select * from final
