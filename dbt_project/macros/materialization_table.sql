{#-
  dbt-duckdb's table materialization, with one change for incremental refreshes: a large table that already
  exists (the build database persists between refreshes; at least var('keep_unchanged_from_rows') rows:
  at national scale, the census, project and outcome tables) is first built as a temporary table (in
  memory) and compared with it, row by row (a 64-bit hash of every row, its values cast to the existing
  table's declared types, as publication compares tables). Then:
  - unchanged (the same columns, no row removed or added, the same row count and sum of the hashes): the
    table is left as it is: no write to the database file, nothing for its checkpoint, nothing to publish;
  - a few rows changed (removed and added rows at most var('update_in_place_up_to') of its rows: a
    correction that changes one facility changes a handful of the 555,826): the removed rows are deleted
    and the added ones inserted, in place, with the model's contract (the table keeps its declared types,
    NOT NULL and check constraints, enforced as rows are inserted); the result must then hash like the
    temporary table (row count and sum), or the table is written whole after all;
  - otherwise it is written whole from the temporary table with the model's contract, and swapped in as
    dbt-duckdb does.
  A smaller table is written directly (measured: comparing it costs about what writing it does), and so
  is every table of a fresh build database (every full build). What this project does not use is left
  out of dbt-duckdb's version: indexes, grants, persisted docs, foreign keys (they break the swap), DuckLake.
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
    {%- set comparison = kc_compare(existing_relation, temp_relation) -%}
    {% if comparison.unchanged %}
      {%- set unchanged = true -%}
      {#- what the worker reports to Dagster (run_results.json: adapter_response.code) -#}
      {% do store_raw_result('main', message='UNCHANGED', code='UNCHANGED', rows_affected=none) %}
    {% elif comparison.in_place and kc_update_in_place(existing_relation, temp_relation, comparison) %}
      {%- set unchanged = true -%}  {#- no table to swap in: the existing one holds the new rows -#}
      {% do store_raw_result(
          'main',
          message='UPDATED IN PLACE ' ~ comparison.removed ~ ' rows removed, ' ~ comparison.added ~ ' added',
          code='UPDATED_IN_PLACE',
          rows_affected=comparison.removed + comparison.added
      ) %}
    {% else %}
      {% call statement('write_changed') -%}
        {{ create_table_as(False, intermediate_relation, 'select * from ' ~ temp_relation) }}
      {%- endcall %}
    {% endif %}
    {% call statement('drop_temporary') -%}
      drop table {{ temp_relation }};
      drop table if exists {{ temp_relation.identifier }}__old_rows;
      drop table if exists {{ temp_relation.identifier }}__new_rows
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


{#- How the rows of `temporary` differ from those of `existing`: {unchanged, in_place, removed, added}.
    Each row is known by a 64-bit hash of its values, cast to the existing table's declared types
    (publication's digest, pipelines/publish.py); the hashes of both tables are kept beside the temporary
    table (`<temporary>__old_rows`, `__new_rows`) for kc_update_in_place. Unchanged: the same column names
    in the same order, the same row count and the same sum of hashes. Otherwise the rows removed and
    added are counted (the hashes one table holds and the other does not), and the table can be updated
    in place when it has the same columns and at most var('update_in_place_up_to') of its rows were
    removed and added. -#}
{% macro kc_compare(existing, temporary) %}
  {%- set names = [] -%}
  {%- set casts = [] -%}
  {%- for column in adapter.get_columns_in_relation(existing) -%}
    {%- do names.append(adapter.quote(column.name)) -%}
    {%- do casts.append('cast(' ~ adapter.quote(column.name) ~ ' as ' ~ column.data_type ~ ') as ' ~ adapter.quote(column.name)) -%}
  {%- endfor -%}
  {#- the new rows as the existing table declares them (what kc_update_in_place inserts) -#}
  {%- set new_as_declared = 'select ' ~ casts | join(', ') ~ ' from ' ~ temporary -%}
  {%- set old_rows = temporary.identifier ~ '__old_rows' -%}
  {%- set new_rows = temporary.identifier ~ '__new_rows' -%}
  {% call statement('hash_rows') -%}
    create temporary table {{ old_rows }} as select hash(e) as h from {{ existing }} e;
    create temporary table {{ new_rows }} as select hash(t) as h from ({{ new_as_declared }}) t
  {%- endcall %}
  {%- set query -%}
    select
      (
        select list(column_name order by column_index) from duckdb_columns()
        where database_name = 'temp' and table_name = '{{ temporary.identifier }}'
      ) = (
        select list(column_name order by column_index) from duckdb_columns()
        where database_name = '{{ existing.database }}' and schema_name = '{{ existing.schema }}'
          and table_name = '{{ existing.identifier }}'
      ) as same_columns,
      (select (count(*), coalesce(sum(h), 0)) from {{ old_rows }})
        = (select (count(*), coalesce(sum(h), 0)) from {{ new_rows }}) as same_digest,
      (select count(*) from {{ old_rows }}) as existing_rows
  {%- endset -%}
  {%- set row = run_query(query).rows[0] -%}
  {%- set same_columns, rows = row[0], row[2] | int -%}
  {% if same_columns and row[1] %}
    {{ return({'unchanged': true, 'in_place': false, 'removed': 0, 'added': 0}) }}
  {% endif %}
  {%- set query -%}
    select
      (select count(*) from {{ old_rows }} anti join {{ new_rows }} using (h)) as removed,
      (select count(*) from {{ new_rows }} anti join {{ old_rows }} using (h)) as added
  {%- endset -%}
  {%- set row = run_query(query).rows[0] -%}
  {%- set removed, added = row[0] | int, row[1] | int -%}
  {{ return({
      'unchanged': false,
      'in_place': same_columns and removed + added <= var('update_in_place_up_to') * rows,
      'removed': removed,
      'added': added,
      'columns': names | join(', '),
      'new_as_declared': new_as_declared,
  }) }}
{% endmacro %}


{#- Delete the rows of `existing` that `temporary` does not hold and insert those it adds (kc_compare's
    hashes say which), in the model's transaction; true when `existing` then hashes like `temporary`
    (row count and sum), false when it does not (the table is then written whole instead). -#}
{% macro kc_update_in_place(existing, temporary, comparison) %}
  {%- set old_rows = temporary.identifier ~ '__old_rows' -%}
  {%- set new_rows = temporary.identifier ~ '__new_rows' -%}
  {% call statement('update_in_place') -%}
    delete from {{ existing }} e
    where hash(e) in (select h from {{ old_rows }} anti join {{ new_rows }} using (h));
    insert into {{ existing }} ({{ comparison.columns }})
    select {{ comparison.columns }} from ({{ comparison.new_as_declared }}) t
    where hash(t) in (select h from {{ new_rows }} anti join {{ old_rows }} using (h))
  {%- endcall %}
  {%- set query -%}
    select (select (count(*), coalesce(sum(hash(e)), 0)) from {{ existing }} e)
      = (select (count(*), coalesce(sum(h), 0)) from {{ new_rows }})
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
