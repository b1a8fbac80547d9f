-- One row per census match scope (macros/census_scopes.sql): a digest of its raw rows, every column of
-- each, so that any row added, removed or changed changes its scope's digest and the scoped census
-- models rebuild that scope.
with raw_census as (
    select * from {{ source('raw', 'census') }}
),

final as (
    select
        {{ census_match_scope('raw_census') }} as match_scope,
        hash(sum(hash(raw_census))) as scope_digest,
        count(*) as census_rows
    from raw_census
    group by all
)

select * from final
