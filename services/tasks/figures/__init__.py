"""The figures the two source articles quote, computed from the platform's own data for any
period and place (tasks reaching villages, screening rejections, hard matters, small matters
escalated, department dispatch, 五议两公开), with an .xlsx report for a county meeting."""
