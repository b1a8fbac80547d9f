-- One row per project × beneficiary, so that distinct beneficiaries can be counted over any period
-- (distinct counts cannot be added up from the yearly marts), with the census facility it is
-- (facility_key, null where the beneficiary is not in a census or cannot be told apart).
with int_project_beneficiaries as (
    select * from {{ ref('int_project_beneficiaries') }}
),

projects as (
    select * from {{ ref('projects') }}
),

int_beneficiary_facilities as (
    select * from {{ ref('int_beneficiary_facilities') }}
),

final as (
    select
        b.project_key,
        b.beneficiary_key,
        b.beneficiary_name,
        b.beneficiary_type,
        b.province_code,
        b.province_code_2025,
        b.year,
        b.program_level,
        p.support_content,
        links.facility_key,
        links.link_rule as facility_link_rule
    from int_project_beneficiaries as b
    inner join projects as p using (project_key)
    left join int_beneficiary_facilities as links using (project_key, beneficiary_key)
)

select * from final
