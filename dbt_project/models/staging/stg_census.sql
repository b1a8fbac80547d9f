-- One facility in one census wave, as read (no personal data reaches the raw table at all).
-- `match_scope` is the province a facility code is unique within: the old province where known.
-- Built by scope: a refresh recomputes only the scopes whose raw rows changed (macros/census_scopes.sql).
{{ census_scoped_model('stg_census_scopes') }}

with raw_census as (
    select * from {{ source('raw', 'census') }}
),

scopes as (
    select * from {{ ref('stg_census_scopes') }}
),

final as (
    select
        {{ source_row_number() }} as census_row_key,
        scopes.match_scope,
        scopes.scope_digest,
        nullif(trim(facility_code), '') as facility_code,
        {{ code_key('facility_code') }} as facility_code_key,
        facility_name,
        facility_name_key,
        coalesce(commune_key, '') as commune_key,
        coalesce(facility_type, 'other') as facility_type,
        facility_type_raw,
        industry,
        commune,
        district,
        district_key,
        employees,
        revenue_vnd,
        founded_year,
        year as survey_year,
        province_code,
        province_code_2025,
        source_file,
        source_sheet,
        source_row,
        source_sha256
    from raw_census
    inner join scopes on scopes.match_scope is not distinct from {{ census_match_scope('raw_census') }}
    where {{ census_scope_is_built('scopes.match_scope', ref('stg_census_scopes')) }}
)

select * from final
