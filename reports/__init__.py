"""Documents: report data → HTML → PDF/A-3b → signed → registered → verifiable.

Seams: *gather* (:mod:`reports.gather` fills :mod:`reports.data` from the record) → *render*
(:mod:`reports.render`, :mod:`reports.charts`, :mod:`reports.pdf`) → *issue*
(:mod:`reports.signing`, :mod:`reports.issue`) → *verify* (:mod:`reports.verify`).
"""
