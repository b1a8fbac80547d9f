{#
  The key of one source row: the file's content (sha256), the sheet and the row. The same row of the
  same bytes keeps its key whatever the file is called or when it arrives; staging models key their
  rows with it (project_key, census_row_key, outcome_key).
#}
{% macro source_row_key() -%}
    md5(concat_ws('|', source_sha256, source_sheet, source_row::varchar))
{%- endmacro %}
