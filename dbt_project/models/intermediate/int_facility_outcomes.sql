-- Outcome-survey rows with their gains, linked to the project and the census facility.
-- Productivity is output per worker; the gain is after ÷ before − 1, in percent. A facility with no
-- workers or no output before support (or none after) has no gain: it stays in the survey with the
-- reason, and is counted in facilities_surveyed but not in facilities_with_gain. Revenue likewise.
-- The year a gain counts for is the year support was given: the linked project's year, else the
-- survey's "Năm hỗ trợ" column, else the survey year.
with outcomes as (
    select * from {{ ref('stg_outcomes') }}
),

linked_facility as (
    select * from {{ ref('int_outcome_facility_links') }}
),

stg_projects as (
    select * from {{ ref('stg_projects') }}
),

int_project_support_content as (
    select * from {{ ref('int_project_support_content') }}
),

projects as (
    select
        p.project_key, p.project_code, p.province_code, p.province_code_2025, p.year, p.program_level,
        c.support_content
    from stg_projects as p
    inner join int_project_support_content as c using (project_key)
    where p.project_code is not null
),

linked_project as (
    select
        o.outcome_key,
        p.project_key,
        p.year as project_year,
        p.program_level,
        p.support_content
    from outcomes as o
    inner join projects as p
        on p.project_code = o.project_code
        and (
            p.province_code = o.province_code
            or (o.province_code is null and p.province_code_2025 = o.province_code_2025)
        )
        and p.year <= o.survey_year
    qualify row_number() over (partition by o.outcome_key order by p.year desc, p.project_key) = 1
),

measured as (
    select
        o.*,
        case when o.workers_before > 0 and o.output_before > 0 then o.output_before / o.workers_before end
            as productivity_before,
        case when o.workers_after > 0 and o.output_after is not null then o.output_after / o.workers_after end
            as productivity_after,
        case
            when
                coalesce(o.workers_before, 0) = 0 and coalesce(o.output_before, 0) = 0
                then 'no workers and no output before support'
            when coalesce(o.workers_before, 0) = 0 then 'no workers before support'
            when coalesce(o.output_before, 0) = 0 then 'no output before support'
            when coalesce(o.workers_after, 0) = 0 or o.output_after is null then 'no workers or output after support'
        end as no_gain_reason
    from outcomes as o
),

final as (
    select
        m.outcome_key,
        m.province_code,
        m.province_code_2025,
        coalesce(lp.project_year, m.support_year, m.survey_year) as year,
        m.survey_year,
        m.project_code,
        lp.project_key,
        lp.program_level,
        lp.support_content,
        lf.facility_key,
        m.facility_name,
        m.output_unit,
        m.output_before,
        m.output_after,
        m.workers_before,
        m.workers_after,
        m.new_jobs,
        m.revenue_before_vnd,
        m.revenue_after_vnd,
        round(m.productivity_before, 6) as productivity_before,
        round(m.productivity_after, 6) as productivity_after,
        case when m.no_gain_reason is null
                then round((m.productivity_after / m.productivity_before - 1) * 100, 4)
        end as productivity_gain_pct,
        case when m.revenue_before_vnd > 0 and m.revenue_after_vnd is not null
                then round((m.revenue_after_vnd / m.revenue_before_vnd - 1) * 100, 4)
        end as revenue_gain_pct,
        m.no_gain_reason,
        m.source_file,
        m.source_sheet,
        m.source_row
    from measured as m
    left join linked_project as lp using (outcome_key)
    left join linked_facility as lf using (outcome_key)
)

select * from final
