{#
  The code lists a model must know when it is compiled (a column per code), as seeds/support_contents.csv
  and seeds/facility_types.csv hold them; the data tests check values against the seeds themselves
  (relationships), and tests/test_code_lists.py keeps these lists, the seeds, the marts' declared columns
  and the ingestion vocabulary equal. A macro, so that sqlfluff renders the models too.
#}
{% macro support_contents() %}
    {{ return(['demo_model', 'cleaner_production', 'product_development', 'trade_promotion', 'clusters_linkage',
               'training_capacity', 'consulting', 'information', 'program_management', 'other']) }}
{% endmacro %}

{% macro facility_types() %}
    {{ return(['sme', 'cooperative', 'cooperative_group', 'household_business', 'establishment', 'other']) }}
{% endmacro %}
