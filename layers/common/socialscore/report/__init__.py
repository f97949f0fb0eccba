"""The report page: what the stack holds, read once (snapshot), drawn as one self-contained HTML
page with server-side SVG charts (page, sections, charts). serve shows it at /report, the
report function writes it to the stack's private bucket, and `socialscore report` to a file."""

# The one object the report function writes, and rewrites each run.
LATEST_KEY = "report/latest.html"
