-- Which census facility each outcome-survey row is about: the facility with the same code in the same
-- province; else the one facility there with the same normalised name (none when several share it).
-- Outcomes and census only, so a refresh that changes only projects does not redo it.
with outcomes as (
    select * from {{ ref('stg_outcomes') }}
),

facility_names as (
    select * from {{ ref('int_census_facility_names') }}
),

final as (
    select
        o.outcome_key,
        coalesce(
            (
                select any_value(f.facility_key) from facility_names as f
                where f.match_scope = o.match_scope and f.facility_code_key = o.facility_code_key
            ),
            (
                select case when count(distinct f.facility_key) = 1 then any_value(f.facility_key) end
                from facility_names as f
                where f.match_scope = o.match_scope and f.facility_name_key = o.facility_name_key
            )
        ) as facility_key
    from outcomes as o
)

select * from final
