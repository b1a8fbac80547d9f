{# A facility code as a matching key: a code of digits only is compared as a number ("00017", the text
   typed in one census wave, and 17, the number Excel made of it in the next, are one code), any other
   code as written. Applied within a province (match_scope), so provinces' numbering never meets. #}
{% macro code_key(column) -%}
case
    when regexp_full_match(trim({{ column }}), '[0-9]+')
        then coalesce(nullif(ltrim(trim({{ column }}), '0'), ''), '0')
    else nullif(trim({{ column }}), '')
end
{%- endmacro %}
