-- Every figure the provinces published (seed published_figures, from published-figures.md) beside
-- the warehouse's own value for the same province, period and measure, with a verdict:
--   exact → equal; at_least → warehouse ≥ published; approx → within 1 %; range → every
--   facility value within [low, high] (warehouse_value is then the median).
-- `not_covered` when the figure is not comparable (a part-year period) or the warehouse holds no
-- rows of that dataset for that province and period; `mismatch` otherwise.
with figures as (
    select * from {{ ref('published_figures') }}
),

projects_rows as (
    select * from {{ ref('projects') }}
),

project_beneficiaries as (
    select * from {{ ref('project_beneficiaries') }}
),

int_plans as (
    select * from {{ ref('int_plans') }}
),

stg_census as (
    select * from {{ ref('stg_census') }}
),

int_census_facility_keys as (
    select * from {{ ref('int_census_facility_keys') }}
),

facility_outcomes as (
    select * from {{ ref('facility_outcomes') }}
),

dim_province as (
    select * from {{ ref('dim_province') }}
),

projects as (
    select *, {{ fold_text('project_name') }} as folded_name from projects_rows
),

project_values as (
    select
        f.figure_id,
        case f.measure
            when 'projects' then count(p.project_key)
            when 'state_support_vnd' then sum(p.state_support_vnd)
            when 'central_budget_vnd' then sum(p.central_budget_vnd)
            when 'local_budget_vnd' then sum(p.local_budget_vnd)
            when 'beneficiary_contribution_vnd' then sum(p.beneficiary_contribution_vnd)
            when 'total_cost_vnd' then sum(p.total_cost_vnd)
            when 'jobs_created' then sum(p.jobs_created)
            when 'trainees' then sum(p.trainees)
        end::double as warehouse_value
    from figures as f
    left join projects as p
        on (f.province_code is null or p.province_code = f.province_code)
        and p.year between f.period_start and f.period_end
        and (f.program_level = 'all' or p.program_level = f.program_level)
        and (f.support_content is null or p.support_content = f.support_content)
        and (f.name_contains is null or contains(p.folded_name, f.name_contains))
    where f.dataset = 'projects' and f.measure <> 'distinct_beneficiaries'
    group by f.figure_id, f.measure
),

beneficiary_values as (
    select f.figure_id, count(distinct b.beneficiary_key)::double as warehouse_value
    from figures as f
    left join project_beneficiaries as b
        on (f.province_code is null or b.province_code = f.province_code)
        and b.year between f.period_start and f.period_end
        and (f.program_level = 'all' or b.program_level = f.program_level)
        and b.beneficiary_type <> 'other'
        and (f.beneficiary_type is null or b.beneficiary_type = f.beneficiary_type)
    where f.measure = 'distinct_beneficiaries'
    group by f.figure_id
),

plan_values as (
    select
        f.figure_id,
        case f.measure
            when 'planned_projects' then sum(p.planned_projects)
            when 'approved_projects' then sum(p.approved_projects)
            when 'planned_budget_vnd' then sum(p.planned_budget_vnd)
        end::double as warehouse_value
    from figures as f
    left join int_plans as p
        on (f.province_code is null or p.province_code = f.province_code)
        and p.year between f.period_start and f.period_end
        and (f.program_level = 'all' or p.program_level = f.program_level)
    where f.dataset = 'plans'
    group by f.figure_id, f.measure
),

census_values as (
    select f.figure_id, count(distinct k.facility_key)::double as warehouse_value
    from figures as f
    left join stg_census as c
        on (f.province_code is null or c.province_code = f.province_code)
        and c.survey_year between f.period_start and f.period_end
    left join int_census_facility_keys as k using (census_row_key)
    where f.dataset = 'census'
    group by f.figure_id
),

outcome_values as (
    select
        f.figure_id,
        case f.measure
            when 'productivity_gain_pct' then median(o.productivity_gain_pct)
            when 'revenue_gain_mean_pct' then avg(o.revenue_gain_pct)
        end as warehouse_value,
        case f.measure when 'productivity_gain_pct' then min(o.productivity_gain_pct) end as warehouse_min,
        case f.measure when 'productivity_gain_pct' then max(o.productivity_gain_pct) end as warehouse_max
    from figures as f
    left join facility_outcomes as o
        on (f.province_code is null or o.province_code = f.province_code)
        and o.year between f.period_start and f.period_end
    where f.dataset = 'outcomes'
    group by f.figure_id, f.measure
),

values_ as (
    select figure_id, warehouse_value, null::double as warehouse_min, null::double as warehouse_max from project_values
    union all
    select figure_id, warehouse_value, null as warehouse_min, null as warehouse_max from beneficiary_values
    union all
    select figure_id, warehouse_value, null as warehouse_min, null as warehouse_max from plan_values
    union all
    select figure_id, warehouse_value, null as warehouse_min, null as warehouse_max from census_values
    union all
    select figure_id, warehouse_value, warehouse_min, warehouse_max from outcome_values
),

-- does the warehouse hold any rows of the figure's dataset for its province and period?
coverage as (
    select f.figure_id, count(d.year) > 0 as covered
    from figures as f
    left join (
        select 'projects' as dataset, province_code, year from projects_rows
        union all
        select 'plans' as dataset, province_code, year from int_plans
        union all
        select 'census' as dataset, province_code, survey_year as year from stg_census
        union all
        select 'outcomes' as dataset, province_code, year from facility_outcomes
    ) as d
        on d.dataset = f.dataset
        and (f.province_code is null or d.province_code = f.province_code)
        and d.year between f.period_start and f.period_end
    group by f.figure_id
),

compared as (
    select
        f.*,
        -- no rows at all is "not covered", not a value of zero
        case when c.covered then v.warehouse_value end as warehouse_value,
        case when c.covered then v.warehouse_min end as warehouse_min,
        case when c.covered then v.warehouse_max end as warehouse_max,
        c.covered,
        case
            when not f.comparable or not c.covered then 'not_covered'
            when f.kind = 'exact' and v.warehouse_value = f.published_value then 'match'
            when f.kind = 'at_least' and v.warehouse_value >= f.published_value then 'match'
            when
                f.kind = 'approx' and abs(v.warehouse_value - f.published_value) <= 0.01 * f.published_value
                then 'match'
            when
                f.kind = 'range' and v.warehouse_min >= f.published_value and v.warehouse_max <= f.published_high
                then 'match'
            else 'mismatch'
        end as verdict
    from figures as f
    left join values_ as v using (figure_id)
    inner join coverage as c using (figure_id)
),

final as (
    select
        compared.figure_id,
        compared.source_id,
        compared.province_code,
        provinces.province_name,
        case when period_start = period_end then period_start::varchar
            else period_start::varchar || '–' || period_end::varchar
        end as period,
        compared.period_start,
        compared.period_end,
        compared.measure,
        compared.program_level,
        coalesce(compared.beneficiary_type, compared.support_content, compared.name_contains) as measure_filter,
        compared.published_value,
        compared.published_high,
        round(compared.warehouse_value, 4) as warehouse_value,
        round(compared.warehouse_min, 4) as warehouse_min,
        round(compared.warehouse_max, 4) as warehouse_max,
        round(compared.warehouse_value - compared.published_value, 4) as difference,
        compared.kind,
        compared.verdict,
        compared.source_file,
        compared.quote,
        compared.note
    from compared
    left join dim_province as provinces
        on provinces.generation = 'pre2025' and provinces.province_code = compared.province_code
)

select * from final
