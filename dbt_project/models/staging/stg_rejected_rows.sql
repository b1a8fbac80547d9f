with audit_rejected_rows as (
    select * from {{ source('audit', 'rejected_rows') }}
),

final as (
    select path, dataset, sheet, row_number, year, reason, raw
    from audit_rejected_rows
)

select * from final
