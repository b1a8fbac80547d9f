{#-
  The census models are built by match scope (the province a facility code is unique within): a
  facility's rows, its key, its names and its merged description all lie within one scope, so a
  corrected census file, which touches one province, rebuilds that scope alone rather than 600,000 rows.

  `stg_census_scopes` holds, per scope, a digest of its raw census rows. Every scoped model stores on
  its rows the digest of the input it was built from (stg_census from `stg_census_scopes`, the models
  downstream from `stg_census`), and a build of the model
  - first deletes its rows whose (scope, digest) is no longer in its input: changed or vanished scopes
    (`census_scopes_stale_deleted`, the model's pre-hook, in the model's transaction);
  - then computes only the scopes whose (scope, digest) it does not hold: changed or new scopes
    (`census_scopes_to_build`), appended.
  Each model compares itself with its own input, so a build killed between two models (the next refresh
  builds them again: the census source stays pending) brings every model up to date; a fresh build
  database builds every table whole.
-#}

{#- the match scope of a census row: its old province where known, else its 2025 province -#}
{% macro census_match_scope(relation='') -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    coalesce('pre2025:' || {{ prefix }}province_code, '2025:' || {{ prefix }}province_code_2025)
{%- endmacro %}

{#- the (scope, digest) pairs a relation holds: 63 or so, however many rows -#}
{% macro census_scope_pairs(relation) -%}
    (select distinct match_scope, scope_digest from {{ relation }})
{%- endmacro %}

{#- the pre-hook of a scoped model: its rows of scopes whose input changed or vanished, deleted -#}
{% macro census_scopes_stale_deleted(scopes) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as built
        where not exists (
            select 1 from {{ census_scope_pairs(scopes) }} as input
            where input.match_scope is not distinct from built.match_scope and input.scope_digest = built.scope_digest
        )
    {%- endif -%}
{%- endmacro %}

{#- the scopes a build of the model computes: all of them in a whole build, else those it does not hold -#}
{% macro census_scopes_to_build(scopes) -%}
    select input.match_scope
    from {{ census_scope_pairs(scopes) }} as input
    {%- if is_incremental() %}
        where not exists (
            select 1 from {{ census_scope_pairs(this) }} as built
            where built.match_scope is not distinct from input.match_scope and built.scope_digest = input.scope_digest
        )
    {%- endif -%}
{%- endmacro %}

{#- whether the scope in `column` (qualified with its table) is one a build of the model computes,
    `scopes` holding the (scope, digest) pairs the model follows (`census_scopes_to_build`) -#}
{% macro census_scope_is_built(column, scopes) -%}
    exists (
        select 1 from ({{ census_scopes_to_build(scopes) }}) as to_build
        where to_build.match_scope is not distinct from {{ column }}
    )
{%- endmacro %}

{#- a scoped model's configuration: a dbt incremental model whose rows of changed or vanished scopes its
    pre-hook deletes, and to which the rows of the scopes it computes are appended; `input` is the model
    whose (scope, digest) pairs it follows -#}
{% macro census_scoped_model(input) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ census_scopes_stale_deleted(ref('" ~ input ~ "')) }}",
    ) }}
{%- endmacro %}

{#- the rows of `relation` in the scopes a build of the model computes (`scopes`: as above) -#}
{% macro census_scope_rows(relation, scopes) -%}
    select * from {{ relation }} as scoped
    where {{ census_scope_is_built('scoped.match_scope', scopes) }}
{%- endmacro %}
