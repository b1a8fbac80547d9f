-- Projects per old province × year × programme level: counts, completions, distinct beneficiary
-- facilities (the extension system's own units, type `other`, are not counted) and a count per
-- support content. Records that name only a 2025 unit are in province2025_year_summary.
with projects_rows as (
    select * from {{ ref('projects') }}
),

project_beneficiaries as (
    select * from {{ ref('project_beneficiaries') }}
),

projects as (
    select * from projects_rows where province_code is not null
),

beneficiaries as (
    select
        province_code, year, program_level,
        count(distinct beneficiary_key) as distinct_beneficiaries,
    {% for t in facility_types() if t != 'other' %}
        count(distinct beneficiary_key) filter (where beneficiary_type = '{{ t }}')
            as beneficiaries_{{ t }}{{ ',' if not loop.last }}
    {% endfor %}
    from project_beneficiaries
    where province_code is not null and beneficiary_type <> 'other'
    group by all
),

counts as (
    select
        province_code,
        any_value(province_name) as province_name,
        any_value(province_code_2025) as province_code_2025,
        year,
        program_level,
        count(*) as projects,
        count(*) filter (where status = 'completed') as projects_completed,
    {% for c in support_contents() %}
        count(*) filter (where support_content = '{{ c }}') as projects_{{ c }}{{ ',' if not loop.last }}
    {% endfor %}
    from projects
    group by province_code, year, program_level
),

final as (
    select
        counts.*,
        coalesce(b.distinct_beneficiaries, 0) as distinct_beneficiaries,
    {% for t in facility_types() if t != 'other' %}
        coalesce(b.beneficiaries_{{ t }}, 0) as beneficiaries_{{ t }}{{ ',' if not loop.last }}
    {% endfor %}
    from counts
    left join beneficiaries as b using (province_code, year, program_level)
)

select * from final
