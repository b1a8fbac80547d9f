{#
  The datasets provinces send, as pipelines/datasets.py registers them (tests/test_datasets.py keeps the
  two equal): each one's staging model and the column that says which year a row reports. A macro
  rather than a project variable so that sqlfluff, which renders models without dbt, sees the list too.
#}
{% macro datasets() %}
    {{ return([
        {'name': 'projects', 'staging_model': 'stg_projects', 'year_column': 'year'},
        {'name': 'census', 'staging_model': 'stg_census', 'year_column': 'survey_year'},
        {'name': 'outcomes', 'staging_model': 'stg_outcomes', 'year_column': 'survey_year'},
        {'name': 'plans', 'staging_model': 'stg_plans', 'year_column': 'year'},
    ]) }}
{% endmacro %}
