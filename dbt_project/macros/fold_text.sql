{# The SQL twin of pipelines/ingest/text.py:fold — no diacritics, lower case, đ→d, punctuation as
   single spaces — so that keyword rules match whatever spelling a province used. #}
{% macro fold_text(expr) -%}
    trim(regexp_replace(lower(strip_accents(replace(replace({{ expr }}, 'đ', 'd'), 'Đ', 'D'))), '[^a-z0-9]+', ' ', 'g'))
{%- endmacro %}
