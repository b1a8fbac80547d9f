select path, dataset, sheet, row_number, year, reason, raw
from {{ source('audit', 'rejected_rows') }}
