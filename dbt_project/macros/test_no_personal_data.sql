{# Fails for every value of a text column of the model that is shaped like a Vietnamese phone
   number (0… or +84…, 10–11 digits with any separators) or a national ID (9-digit CMND or 12-digit
   CCCD), standing alone (not inside a hexadecimal key). Personal data must never reach the marts; this checks the promise on the data itself,
   not only on the column names. Applied to every mart. #}
{% test no_personal_data(model) %}
{%- set text_columns = [] -%}
{%- for column in adapter.get_columns_in_relation(model) -%}
    {%- if column.is_string() -%}{%- do text_columns.append(column.name) -%}{%- endif -%}
{%- endfor -%}
{%- if text_columns | length == 0 %}
select null as column_name, null as value where false
{%- else %}
{%- for name in text_columns %}
select '{{ name }}' as column_name, "{{ name }}"::varchar as value
from {{ model }}
where regexp_matches("{{ name }}", '(^|[^0-9A-Za-z])(\+?84|0)([ .\-]?[0-9]){8,10}([^0-9A-Za-z]|$)')
   or regexp_matches("{{ name }}", '(^|[^0-9A-Za-z.,]|(^|[^0-9])[.,])([0-9]{12}|[0-9]{9})([^0-9A-Za-z.,]|[.,]([^0-9]|$)|$)')
{{ 'union all' if not loop.last }}
{%- endfor %}
{%- endif %}
{% endtest %}
