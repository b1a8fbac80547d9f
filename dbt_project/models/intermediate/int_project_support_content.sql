-- Support content per project: the lowest-priority keyword rule found in the folded text of
-- "Nội dung hỗ trợ" (or the project name where a file has none); `other` when nothing matches.
with stg_projects as (
    select * from {{ ref('stg_projects') }}
),

support_content_rules as (
    select * from {{ ref('support_content_rules') }}
),

projects as (
    select project_key, {{ fold_text('support_content_text') }} as folded_text
    from stg_projects
),

rules as (
    select priority, keyword, support_content from support_content_rules
),

matches as (
    select
        projects.project_key,
        rules.support_content,
        rules.keyword,
        row_number() over (partition by projects.project_key order by rules.priority) as rank
    from projects
    inner join rules
        on (' ' || projects.folded_text || ' ') like ('% ' || rules.keyword || ' %')
),

final as (
    select
        projects.project_key,
        coalesce(matches.support_content, 'other') as support_content,
        matches.keyword as matched_keyword
    from projects
    left join matches
        on projects.project_key = matches.project_key and matches.rank = 1
)

select * from final
