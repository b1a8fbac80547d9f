-- Project beneficiaries linked to census facilities: the same normalised name in the same old
-- province. Where several facilities of the province share that name (different communes), the
-- project's location (district) decides; if it cannot, no link is made rather than a wrong one.
with facility_names as (
    select * from {{ ref('int_census_facility_names') }}
),

int_project_beneficiaries as (
    select * from {{ ref('int_project_beneficiaries') }}
),

beneficiaries as (
    select * from int_project_beneficiaries
    where beneficiary_type <> 'other' and province_code is not null
),

candidates as (
    select
        b.project_key,
        b.beneficiary_key,
        f.facility_key,
        f.district_key = b.location_key as same_district,
        count(distinct f.facility_key) over (partition by b.project_key, b.beneficiary_key) as n_candidates
    from beneficiaries as b
    inner join facility_names as f
        on f.match_scope = 'pre2025:' || b.province_code
        and f.facility_name_key = b.name_key
),

final as (
    select distinct
        project_key,
        beneficiary_key,
        facility_key,
        case when n_candidates = 1 then 'name' else 'name_district' end as link_rule
    from candidates
    where n_candidates = 1 or same_district
)

select * from final
