-- One row per project × beneficiary, so that distinct beneficiaries can be counted over any period
-- (distinct counts cannot be added up from the yearly marts).
select
    b.project_key,
    b.beneficiary_key,
    b.beneficiary_name,
    b.beneficiary_type,
    b.province_code,
    b.province_code_2025,
    b.year,
    b.program_level,
    p.support_content
from {{ ref('int_project_beneficiaries') }} as b
inner join {{ ref('projects') }} as p using (project_key)
