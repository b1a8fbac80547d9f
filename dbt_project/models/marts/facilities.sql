-- One distinct rural-industry facility: census waves merged (int_census_facilities), with whether and
-- when it was supported and surveyed after support. No personal data: it never left the raw inbox.
with facilities as (
    select * from {{ ref('int_census_facilities') }}
),

int_beneficiary_facilities as (
    select * from {{ ref('int_beneficiary_facilities') }}
),

stg_projects as (
    select * from {{ ref('stg_projects') }}
),

int_facility_outcomes as (
    select * from {{ ref('int_facility_outcomes') }}
),

support as (
    select
        links.facility_key,
        count(distinct links.project_key) as supported_projects,
        min(projects.year) as first_supported_year,
        max(projects.year) as last_supported_year
    from int_beneficiary_facilities as links
    inner join stg_projects as projects using (project_key)
    group by links.facility_key
),

outcomes as (
    select facility_key, count(*) as outcome_surveys
    from int_facility_outcomes
    where facility_key is not null
    group by facility_key
),

final as (
    select
        facilities.facility_key,
        facilities.facility_code,
        facilities.facility_name,
        facilities.facility_type,
        facilities.industry,
        facilities.commune,
        facilities.district,
        facilities.province_code,
        facilities.province_name,
        facilities.province_code_2025,
        facilities.employees,
        facilities.revenue_vnd,
        facilities.founded_year,
        facilities.first_survey_year,
        facilities.last_survey_year,
        facilities.waves,
        facilities.census_rows,
        support.facility_key is not null as ever_supported,
        coalesce(support.supported_projects, 0) as supported_projects,
        support.first_supported_year,
        support.last_supported_year,
        coalesce(outcomes.outcome_surveys, 0) as outcome_surveys,
        facilities.source_file,
        facilities.source_sheet,
        facilities.source_row
    from facilities
    left join support using (facility_key)
    left join outcomes using (facility_key)
)

select * from final
