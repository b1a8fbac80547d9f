{#-
  dbt-duckdb's table materialization, with one change for incremental refreshes: a large table that already
  exists (the build database persists between refreshes; at least var('keep_unchanged_from_rows') rows,
  the census-scale tables) is first built as a temporary table (in memory) and compared with it. An
  unchanged table (the same columns, row count and sum of a hash of every row, as publication compares
  tables) is left as it is: no write to the database file, nothing for its checkpoint, nothing to publish.
  A changed table is written from the temporary one with the model's contract (declared types, NOT NULL
  and check constraints, enforced as it is written) and swapped in as dbt-duckdb does. A smaller table is
  written directly (measured: comparing it costs about what writing it does), and so is every table of a
  fresh build database (every full build). What this project does not use is left out of dbt-duckdb's
  version: indexes, grants, persisted docs, foreign keys (they break the swap), DuckLake.
-#}
{% materialization table, adapter="duckdb" %}
  {% if config.get('indexes') or config.get('grants') or config.get('persist_docs') %}
    {% do exceptions.raise_compiler_error(model.name ~ ": macros/materialization_table.sql creates no indexes, grants or persisted docs") %}
  {% endif %}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
  {%- set preexisting_intermediate_relation = load_cached_relation(intermediate_relation) -%}
  {%- set backup_relation = make_backup_relation(target_relation, 'table' if existing_relation is none else existing_relation.type) -%}
  {%- set preexisting_backup_relation = load_cached_relation(backup_relation) -%}
  {%- set compare = existing_relation is not none and existing_relation.is_table and not should_full_refresh()
      and kc_rows_of(existing_relation) >= var('keep_unchanged_from_rows') -%}

  {{ drop_relation_if_exists(preexisting_intermediate_relation) }}
  {{ drop_relation_if_exists(preexisting_backup_relation) }}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- set unchanged = false -%}
  {% if compare %}
    {%- set temp_relation = make_temp_relation(target_relation) -%}
    {% call statement('main') -%}
      {{ create_table_as(True, temp_relation, compiled_code) }}
    {%- endcall %}
    {%- set unchanged = kc_same_table(existing_relation, temp_relation) -%}
    {% if unchanged %}
      {#- what the worker reports to Dagster (run_results.json: adapter_response.code) -#}
      {% do store_raw_result('main', message='UNCHANGED', code='UNCHANGED', rows_affected=none) %}
    {% else %}
      {% call statement('write_changed') -%}
        {{ create_table_as(False, intermediate_relation, 'select * from ' ~ temp_relation) }}
      {%- endcall %}
    {% endif %}
    {% call statement('drop_temporary') -%}
      drop table {{ temp_relation }}
    {%- endcall %}
  {% else %}
    {% call statement('main') -%}
      {{ create_table_as(False, intermediate_relation, compiled_code) }}
    {%- endcall %}
  {% endif %}

  {% if not unchanged %}
    {% if existing_relation is not none %}
      {{ adapter.rename_relation(existing_relation, backup_relation) }}
    {% endif %}
    {{ adapter.rename_relation(intermediate_relation, target_relation) }}
  {% endif %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {% if not unchanged %}
    {{ drop_relation_if_exists(backup_relation) }}
  {% endif %}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{#- True when `temporary` holds the rows of `existing`: the same column names in the same order, the same
    row count and the same sum of a 64-bit hash of every row, its values cast to the existing table's
    declared types (publication's digest, pipelines/publish.py). -#}
{% macro kc_same_table(existing, temporary) %}
  {%- set columns = adapter.get_columns_in_relation(existing) -%}
  {%- set names = [] -%}
  {%- set casts = [] -%}
  {%- for column in columns -%}
    {%- do names.append(adapter.quote(column.name)) -%}
    {%- do casts.append('cast(' ~ adapter.quote(column.name) ~ ' as ' ~ column.data_type ~ ') as ' ~ adapter.quote(column.name)) -%}
  {%- endfor -%}
  {%- set query -%}
    select
      (
        select list(column_name order by column_index) from duckdb_columns()
        where database_name = 'temp' and table_name = '{{ temporary.identifier }}'
      ) = (
        select list(column_name order by column_index) from duckdb_columns()
        where database_name = '{{ existing.database }}' and schema_name = '{{ existing.schema }}'
          and table_name = '{{ existing.identifier }}'
      )
      and (select (count(*), coalesce(sum(hash(t)), 0)) from (select {{ casts | join(', ') }} from {{ temporary }}) t)
        = (select (count(*), coalesce(sum(hash(t)), 0)) from (select {{ names | join(', ') }} from {{ existing }}) t)
  {%- endset -%}
  {{ return(run_query(query).columns[0].values()[0]) }}
{% endmacro %}


{#- The row count DuckDB keeps for a table (duckdb_tables().estimated_size: exact for a table at rest). -#}
{% macro kc_rows_of(relation) %}
  {%- set query -%}
    select coalesce(max(estimated_size), 0) from duckdb_tables()
    where database_name = '{{ relation.database }}' and schema_name = '{{ relation.schema }}'
      and table_name = '{{ relation.identifier }}'
  {%- endset -%}
  {{ return(run_query(query).columns[0].values()[0]) }}
{% endmacro %}
