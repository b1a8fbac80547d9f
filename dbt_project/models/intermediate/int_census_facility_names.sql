-- The keys under which a census facility can be found by other datasets: its match scope (the
-- province), its code and name keys, its district. Census rows only, so a refresh that changes only
-- projects or outcomes does not redo this at national scale (600,000 rows); the project and outcome
-- links read it (int_beneficiary_facilities, int_outcome_facility_links). Built by scope
-- (macros/census_scopes.sql).
{{ census_scoped_model('stg_census') }}

with census as (
    {{ census_scope_rows(ref('stg_census'), ref('stg_census')) }}
),

keys as (
    {{ census_scope_rows(ref('int_census_facility_keys'), ref('stg_census')) }}
),

final as (
    select distinct
        keys.facility_key,
        census.match_scope,
        census.scope_digest,
        census.facility_code_key,
        census.facility_name_key,
        census.district_key
    from census
    inner join keys using (census_row_key)
)

select * from final
