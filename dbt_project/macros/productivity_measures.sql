{# The productivity aggregates of one group of facility_outcomes rows; shared by the productivity
   mart and both summaries so that the figures cannot drift apart. #}
{% macro productivity_measures() %}
    count(distinct coalesce(facility_key, outcome_key)) as facilities_surveyed,
    count(distinct coalesce(facility_key, outcome_key)) filter (where productivity_gain_pct is not null)
        as facilities_with_gain,
    round(median(productivity_gain_pct), 2) as productivity_gain_median_pct,
    round(avg(productivity_gain_pct), 2) as productivity_gain_mean_pct,
    round(quantile_cont(productivity_gain_pct, 0.25), 2) as productivity_gain_p25_pct,
    round(quantile_cont(productivity_gain_pct, 0.75), 2) as productivity_gain_p75_pct,
    round(min(productivity_gain_pct), 2) as productivity_gain_min_pct,
    round(max(productivity_gain_pct), 2) as productivity_gain_max_pct,
    round(median(revenue_gain_pct), 2) as revenue_gain_median_pct,
    round(avg(revenue_gain_pct), 2) as revenue_gain_mean_pct,
    sum(new_jobs)::bigint as new_jobs
{% endmacro %}
