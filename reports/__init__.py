"""Documents: report data → HTML → PDF/A-3b → signed → registered → verifiable.

Seams: *gather* (fills :mod:`reports.data` from the record; a later round) → *render*
(:mod:`reports.render`, :mod:`reports.charts`, :mod:`reports.pdf`) → *issue*
(:mod:`reports.signing`, :mod:`reports.issue`) → *verify* (:mod:`reports.verify`).
"""
