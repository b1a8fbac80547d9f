-- Did each province send each dataset for each year? A province is expected to report projects,
-- outcomes and plans every year from its first year in the warehouse (any dataset) to the current year,
-- and a census in the census wave years (var census_wave_years); a census received in another year is
-- listed too, as received but not expected. Until
-- 2024 the reporters are the 63 old provinces; from 2025 the 34 new units (a unit is expected once
-- it or a province it was formed from is in the warehouse). A report is on time when its first file
-- arrived (file modification time) by the end of 31 January of the following year, Vietnam time.
{% set reform_year = 2025 %}
with stg_ingest_files as (
    select * from {{ ref('stg_ingest_files') }}
),

stg_rejected_rows as (
    select * from {{ ref('stg_rejected_rows') }}
),

dim_province as (
    select * from {{ ref('dim_province') }}
),

files as (
    select *, unnest(years) as year
    from stg_ingest_files
    where status in ('loaded', 'superseded')
),

file_reports as (
    select
        case when year < {{ reform_year }} then 'pre2025' else '2025' end as generation,
        case when year < {{ reform_year }} then province_code else province_code_2025 end as province_code,
        dataset,
        year,
        path,
        received_at
    from files
),

accepted_rows as (
    {% for dataset in datasets() %}
        {% set year_column = dataset.year_column %}
        select
            '{{ dataset.name }}' as dataset,
            case
                when {{ year_column }} < {{ reform_year }} then 'pre2025'
                else '2025'
            end as generation,
            case
                when {{ year_column }} < {{ reform_year }} then province_code
                else province_code_2025
            end as province_code,
            {{ year_column }},  -- noqa: AL09 (a self-alias only for the datasets whose column is year)
            count(*) as rows_accepted
        from {{ ref(dataset.staging_model) }}
        group by all
        {{ 'union all' if not loop.last }}
    {% endfor %}
),

rejected as (
    select
        case when coalesce(r.year, f.years[1]) < {{ reform_year }} then 'pre2025' else '2025' end as generation,
        case when coalesce(r.year, f.years[1]) < {{ reform_year }} then f.province_code else f.province_code_2025 end
            as province_code,
        r.dataset,
        coalesce(r.year, f.years[1]) as year,
        count(*) as rows_rejected
    from stg_rejected_rows as r
    inner join stg_ingest_files as f using (path)
    where f.status = 'loaded'
    group by all
),

first_years as (
    select generation, province_code, min(year) as first_year
    from file_reports
    where province_code is not null
    group by all
),

reporters as (
    -- old provinces: from their first year to the last year before the reform
    select 'pre2025' as generation, province_code, first_year, {{ reform_year }} - 1 as last_year
    from first_years
    where generation = 'pre2025'
    union
    -- new units: from the reform year, once they or their predecessors are in the warehouse
    select distinct
        '2025' as generation,
        dim.province_code_2025 as province_code,
        {{ reform_year }} as first_year,
        year(current_date) as last_year
    from first_years
    inner join dim_province as dim
        on dim.generation = first_years.generation and dim.province_code = first_years.province_code
),

grid as (
    select reporters.generation, reporters.province_code, years.year, datasets.dataset
    from reporters
    cross join lateral (select unnest(range(reporters.first_year, reporters.last_year + 1)) as year) as years
    cross join (
        {% set names = [] %}{% for d in datasets() %}{% do names.append("'" ~ d.name ~ "'") %}{% endfor %}
        select unnest([{{ names | join(', ') }}]) as dataset
    ) as datasets
    where reporters.first_year <= reporters.last_year
),

received as (
    select
        generation, province_code, dataset, year,
        count(distinct path) as files,
        min(received_at) as first_received_at,
        max(received_at) as last_received_at
    from file_reports
    group by all
),

final as (
    select
        grid.province_code,
        grid.generation,
        dim.province_name,
        dim.province_code_2025,
        grid.year,
        grid.dataset,
        grid.dataset <> 'census' or grid.year in ({{ var('census_wave_years') | join(', ') }}) as expected,
        coalesce(received.files, 0) > 0 as received,
        coalesce(received.files, 0) as files,
        coalesce(accepted_rows.rows_accepted, 0) as rows_accepted,
        coalesce(rejected.rows_rejected, 0) as rows_rejected,
        received.first_received_at,
        received.last_received_at,
        make_timestamptz(grid.year + 1, 2, 1, 0, 0, 0, 'Asia/Ho_Chi_Minh') as due_before,
        received.first_received_at < make_timestamptz(grid.year + 1, 2, 1, 0, 0, 0, 'Asia/Ho_Chi_Minh') as on_time,
        case
            when received.files > 0
                and received.first_received_at < make_timestamptz(grid.year + 1, 2, 1, 0, 0, 0, 'Asia/Ho_Chi_Minh')
                then 'on_time'
            when received.files > 0 then 'late'
            when
                current_timestamp < make_timestamptz(grid.year + 1, 2, 1, 0, 0, 0, 'Asia/Ho_Chi_Minh')
                then 'not_yet_due'
            else 'missing'
        end as status
    from grid
    left join received using (generation, province_code, dataset, year)
    left join accepted_rows using (generation, province_code, dataset, year)
    left join rejected using (generation, province_code, dataset, year)
    inner join dim_province as dim
        on dim.generation = grid.generation and dim.province_code = grid.province_code
    where grid.dataset <> 'census' or grid.year in ({{ var('census_wave_years') | join(', ') }}) or received.files > 0
)

select * from final
