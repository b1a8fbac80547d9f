{# Validation rule: where a total is reported, central + local + contribution must equal it within
   `tolerance` đồng (1,000 đồng: the precision of a "triệu đồng, 3 decimals" cell). #}
{% test amounts_add_up(model, total, parts, tolerance=1000) %}
select *
from {{ model }}
where {{ total }} is not null
  and abs({{ total }} - ({% for p in parts %}coalesce({{ p }}, 0){% if not loop.last %} + {% endif %}{% endfor %})) > {{ tolerance }}
{% endtest %}
