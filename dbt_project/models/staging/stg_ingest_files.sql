with audit_ingest_files as (
    select * from {{ source('audit', 'ingest_files') }}
),

final as (
    select
        path,
        sha256,
        dataset,
        province_code,
        province_code_2025,
        years,
        status,
        reason,
        rows_read,
        rows_accepted,
        rows_rejected,
        received_at,
        ingested_at
    from audit_ingest_files
)

select * from final
