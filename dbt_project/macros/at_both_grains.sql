{#
  Each row of `relation` twice: once for its old province (generation pre2025) and once for its 2025
  unit, as `summary_code`; a summary grouped by generation and summary_code then gives both grains from
  one query (int_province_year_summary). A row without a province of a generation has a null code there.
#}
{% macro at_both_grains(relation) %}
    select
        grains.generation,
        case grains.generation
            when 'pre2025' then grain_rows.province_code
            else grain_rows.province_code_2025
        end as summary_code,
        grain_rows.*
    from {{ relation }} as grain_rows
    cross join (select unnest(['pre2025', '2025']) as generation) as grains
{% endmacro %}
