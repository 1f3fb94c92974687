"""What a PDF's later revisions add to the issued revision: pyHanko's difference analysis plus a
description a reader can act on (revision, page, rectangle, signer). Runs in a worker process.

:func:`inspect_pdf` is the child's work: it reads the upload with pyHanko (strict mode, via
:class:`reports.pdfreader.IndexedReader`), finds the issued revision (the revision whose
``startxref`` ends the issued bytes), runs pyHanko's ``StandardDiffPolicy`` from that revision
to the end (``DEFAULT_DIFF_POLICY.review_file``: every revision judged by whitelisting rules,
anything unexplained rejected as a ``SuspiciousModification``) and lists what each later
revision added. It reads no database; :mod:`reports.verify` judges the result.

:func:`reports.pdfcheck_worker.inspect_in_worker` runs it in a fresh process with an
address-space limit and a wall-clock budget (see that module).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import Any

# Imported here, not in the functions: the forkserver preloads this module, so a worker starts
# with pyHanko loaded (importing it costs about a second).
from pyhanko.pdf_utils.reader import process_data_at_eof
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, SuspiciousModification
from pyhanko.sign.validation.generic_cms import validate_sig_integrity

from reports.pdfreader import IndexedReader

EOF_MARKER = b"%%EOF"


@dataclass(frozen=True)
class VerifyLimits:
    """How much a verify upload may cost (``SLATRACK_VERIFY_*`` settings)."""

    timeout_s: float = 30.0
    memory_mb: int = 1536
    max_objects: int = 500_000
    max_revisions: int = 32
    max_pages: int = 10_000


@dataclass(frozen=True)
class Addition:
    """One thing a revision after the issued one added or changed. ``revision`` counts from 1
    (the file's first revision); ``page`` from 1; ``rect`` in PDF points (x1, y1, x2, y2)."""

    kind: str
    visible: bool
    description: str
    revision: int | None = None
    page: int | None = None
    rect: tuple[float, float, float, float] | None = None
    signer: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class SignatureInfo:
    field: str
    revision: int
    signer: str
    fingerprint: str
    intact: bool
    timestamp: bool


@dataclass(frozen=True)
class Inspection:
    embedded_data: bytes | None = None
    unreadable: str | None = None
    too_complex: str | None = None
    issued_revision: int | None = None
    total_revisions: int = 0
    level: str | None = None
    rejected: str | None = None
    changed_fields: tuple[str, ...] = ()
    additions: tuple[Addition, ...] = ()
    signatures: tuple[SignatureInfo, ...] = ()
    problems: tuple[str, ...] = field(default=())
    cpu_s: float = 0.0  # the worker's CPU seconds (resource accounting, for the figures; no clock read)


class _TooComplex(Exception):
    pass


def inspect_pdf(pdf: bytes, issued_len: int | None, limits: VerifyLimits) -> Inspection:
    """Read ``pdf``; with ``issued_len`` judge everything after its first ``issued_len`` bytes,
    without it only extract the embedded ``report-data.json``."""
    try:
        if issued_len is None:
            return Inspection(embedded_data=_embedded_data(pdf))
        return _inspect_revisions(pdf, issued_len, limits)
    except _TooComplex as exc:
        return Inspection(too_complex=str(exc))
    except MemoryError:
        raise
    except Exception as exc:  # pyHanko/pypdf raise many types on damaged or hostile files
        return Inspection(unreadable=f"{type(exc).__name__}: {str(exc)[:200]}")


def _embedded_data(pdf: bytes) -> bytes | None:
    import pypdf

    from reports.render import DATA_FILE

    contents = pypdf.PdfReader(io.BytesIO(pdf), strict=False).attachments.get(DATA_FILE)
    return bytes(contents[0]) if contents else None


def _issued_revision(reader: Any, pdf: bytes, issued_len: int) -> int | None:
    """The revision (0-based) whose ``startxref``/``%%EOF`` ends the issued bytes and whose
    cross-reference data, and that of every earlier revision, lies inside them."""
    stream = io.BytesIO(pdf)
    stream.seek(issued_len)
    startxref = process_data_at_eof(stream)
    xrefs = reader.xrefs
    for rev in range(xrefs.total_revisions):
        if xrefs.get_startxref_for_revision(rev) == startxref and all(
                xrefs.get_xref_container_info(k).end_location <= issued_len for k in range(rev + 1)):
            return rev
    return None


def _inspect_revisions(pdf: bytes, issued_len: int, limits: VerifyLimits) -> Inspection:
    reader = IndexedReader(io.BytesIO(pdf), strict=True)
    xrefs = reader.xrefs
    total = xrefs.total_revisions
    objects = max(xrefs.get_xref_container_info(k).size for k in range(total))
    if objects > limits.max_objects:
        raise _TooComplex(f"the PDF declares {objects} objects (the limit is {limits.max_objects})")
    base = _issued_revision(reader, pdf, issued_len)
    if base is None:
        return Inspection(total_revisions=total, problems=(
            "the bytes after the issued report do not build on it: the file's cross-reference chain does not "
            "lead back to the issued revision (the document was replaced, not added to)",))
    if total - 1 - base > limits.max_revisions:
        raise _TooComplex(f"the PDF has {total - 1 - base} revisions after the issued one "
                          f"(the limit is {limits.max_revisions})")
    problems: list[str] = []
    markers = pdf.count(EOF_MARKER, issued_len)
    if markers != total - 1 - base:
        problems.append(f"the bytes after the issued report hold {markers} end-of-file markers but "
                        f"{total - 1 - base} revisions: they are not only revisions of this document")
    reader.formless_base(base)
    review = DEFAULT_DIFF_POLICY.review_file(reader, base)
    signatures = tuple(_later_signatures(reader, base))
    additions = tuple(_describe(reader, base, signatures, limits))
    if isinstance(review, SuspiciousModification):
        first_line = re.sub(r"revision (\d+)", lambda m: f"revision {int(m[1]) + 1}", str(review).splitlines()[0])
        return Inspection(issued_revision=base + 1, total_revisions=total, rejected=first_line,
                          additions=additions, signatures=signatures, problems=tuple(problems))
    return Inspection(issued_revision=base + 1, total_revisions=total, level=review.modification_level.name,
                      changed_fields=tuple(sorted(str(f) for f in review.changed_form_fields)), additions=additions,
                      signatures=signatures, problems=tuple(problems))  # plain str: pyHanko's strings carry
    # their reader, which would pickle back to the server as megabytes


def _later_signatures(reader: Any, base: int) -> list[SignatureInfo]:
    found = []
    for sig in reader.embedded_signatures:
        if sig.signed_revision <= base:
            continue
        cert = sig.signer_cert
        timestamp = sig.sig_object_type == "/DocTimeStamp"
        try:
            if timestamp:
                info = sig.signed_data["encap_content_info"]
                imprint = info["content"].parsed["message_imprint"]
                algo = imprint["hash_algorithm"]["algorithm"].native
                digest_algo = sig.signer_info["digest_algorithm"]["algorithm"].native
                content_digest = hashlib.new(digest_algo, info["content"].contents).digest()
                matches = imprint["hashed_message"].native == sig.compute_digest(algo)
                intact, valid = validate_sig_integrity(sig.signer_info, cert, "tst_info", content_digest)
                ok = matches and intact and valid
            else:
                intact, valid = validate_sig_integrity(sig.signer_info, cert, "data", sig.compute_digest())
                ok = intact and valid
        except Exception:  # malformed CMS, unsupported algorithm
            ok = False
        found.append(SignatureInfo(field=str(sig.field_name), revision=sig.signed_revision + 1,
                                   signer=cert.subject.human_friendly,
                                   fingerprint=hashlib.sha256(cert.dump()).hexdigest(), intact=ok,
                                   timestamp=timestamp))
    return found


def _pages(resolver: Any, limits: VerifyLimits) -> list[Any]:
    """Page references in order (iterative walk of the page tree, bounded)."""
    from pyhanko.pdf_utils import generic

    pages: list[Any] = []
    stack = [resolver.root.raw_get("/Pages")]
    seen: set[Any] = set()
    while stack:
        node_ref = stack.pop()
        if not isinstance(node_ref, generic.IndirectObject) or node_ref.reference in seen:
            continue
        seen.add(node_ref.reference)
        if len(seen) > limits.max_pages * 2:
            raise _TooComplex(f"the page tree has more than {limits.max_pages} pages")
        node = resolver(node_ref.reference)
        if _get(node, "/Type") == "/Pages" or "/Kids" in node:
            stack.extend(reversed(list(_get(node, "/Kids", []))))  # raw items: indirect references
            continue
        pages.append(node_ref.reference)
    return pages


def _annotation_refs(page: Any) -> list[Any]:
    """The page's annotations: references, or the ``repr`` of a direct annotation dictionary."""
    annots = _get(page, "/Annots")
    if annots is None:
        return []
    return [a.reference if hasattr(a, "reference") else repr(a) for a in annots]


def _content_refs(page: Any) -> set[Any]:
    contents = page.raw_get("/Contents") if "/Contents" in page else None
    if contents is None:
        return set()
    items = contents.get_object()
    items = items if isinstance(items, list) else [contents]
    return {c.reference for c in items if hasattr(c, "reference")}


def _get(d: Any, key: str, default: Any = None) -> Any:
    """``d[key]`` dereferenced (pyHanko's ``dict.get`` returns the raw indirect reference)."""
    try:
        return d[key]
    except (KeyError, TypeError):
        return default


def _rect(annot: Any) -> tuple[float, float, float, float] | None:
    """The annotation's rectangle, or None when it cannot be read (then counted as visible)."""
    try:
        rect = annot["/Rect"]
        x1, y1, x2, y2 = (float(rect[i]) for i in range(4))
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


def _is_visible(annot: Any, rect: tuple[float, float, float, float] | None) -> bool:
    """Shown or printed: not flagged Hidden and with a rectangle of some area (an unreadable
    rectangle or flag counts as visible)."""
    try:
        hidden = bool(int(_get(annot, "/F", 0)) & 2)
    except (TypeError, ValueError):
        hidden = False
    return not hidden and (rect is None or (rect[2] > rect[0] and rect[3] > rect[1]))


def _field_of(annot: Any) -> tuple[str | None, str | None]:
    """(field type, fully qualified name) of a widget, following /Parent."""
    node, names, ftype, depth = annot, [], None, 0
    while node is not None and depth < 32:
        if ftype is None and "/FT" in node:
            ftype = str(node["/FT"])
        if "/T" in node:
            names.append(str(node["/T"]))
        node = _get(node, "/Parent")
        depth += 1
    return ftype, ".".join(reversed(names)) or None


def _describe_annotation(annot: Any, *, rev: int, page: int, changed: bool,
                         signatures: dict[str, SignatureInfo]) -> Addition:
    rect = _rect(annot)
    # An action (/A, /AA: JavaScript, links) can show or change things whatever the rectangle:
    # counted as visible.
    acts = any(key in node for node in (annot, _get(annot, "/Parent") or {}) for key in ("/A", "/AA"))
    visible = acts or _is_visible(annot, rect)
    ftype, name = _field_of(annot)
    sig = signatures.get(name or "")
    if ftype == "/Sig" and sig is not None:
        kind = "document_timestamp" if sig.timestamp else "signature"
        label = "document timestamp" if sig.timestamp else f"signature by {sig.signer}"
    elif ftype == "/Sig":
        kind, label = "signature_field", "signature field (unsigned)"
    elif ftype is not None:
        kind, label = "form_field", f"form field ({ftype[1:]})"
    else:
        kind, label = "annotation", f"{str(_get(annot, '/Subtype', '/Annot'))[1:]} annotation"
    if name:
        label += f" named {name!r}"
    if acts:
        label += " with an action (/A or /AA)"
    where = f" at [{', '.join(f'{v:g}' for v in rect)}]" if rect else ""
    verb = "changes" if changed else "adds"
    seen = "a visible" if visible else "an invisible"
    return Addition(kind=kind, visible=visible, revision=rev, page=page, rect=rect,
                    signer=sig.signer if sig is not None and not sig.timestamp else None, field=name,
                    description=f"revision {rev} {verb} {seen} {label} on page {page}{where}")


def _describe(reader: Any, base: int, sigs: tuple[SignatureInfo, ...], limits: VerifyLimits) -> list[Addition]:
    by_field = {s.field: s for s in sigs}
    out: list[Addition] = []
    for k in range(base + 1, reader.xrefs.total_revisions):
        old, new, rev = reader.get_historical_resolver(k - 1), reader.get_historical_resolver(k), k + 1
        changed = new.explicit_refs_in_revision()
        old_pages = set(_pages(old, limits))
        before = len(out)
        for i, ref in enumerate(_pages(new, limits), start=1):
            page = new(ref)
            if ref not in old_pages:
                out.append(Addition("page", True, f"revision {rev} adds page {i}", rev, i))
                continue
            old_page = old(ref)
            if ref in changed:
                keys = sorted(key for key in set(page) | set(old_page) if key != "/Annots"
                              and repr(page.raw_get(key) if key in page else None)
                              != repr(old_page.raw_get(key) if key in old_page else None))
                if keys:
                    kind = "page_content" if "/Contents" in keys else "page_change"
                    out.append(Addition(kind, True, f"revision {rev} changes page {i} ({', '.join(keys)})", rev, i))
            if _content_refs(page) & _content_refs(old_page) & changed:  # an existing stream rewritten in place
                out.append(Addition("page_content", True, f"revision {rev} rewrites the content of page {i}", rev, i))
            old_annots = set(_annotation_refs(old_page))
            for a in _annotation_refs(page):
                if a in old_annots and a not in changed:
                    continue
                if isinstance(a, str):  # an annotation dictionary written inline in /Annots
                    out.append(Addition("annotation", True, f"revision {rev} adds an annotation on page {i}", rev, i))
                    continue
                out.append(_describe_annotation(new(a), rev=rev, page=i, changed=a in old_annots,
                                                signatures=by_field))
        described = {a.field for a in out[before:]}
        for s in sigs:
            if s.revision == rev and s.field not in described:
                what = "a document timestamp" if s.timestamp else f"a signature by {s.signer}"
                out.append(Addition("document_timestamp" if s.timestamp else "signature", False,
                                    f"revision {rev} adds {what} with no widget on any page", rev,
                                    signer=None if s.timestamp else s.signer, field=s.field))
        out.extend(_quiet_changes(old, new, changed, rev))
    return out


def _quiet_changes(old: Any, new: Any, changed: set[Any], rev: int) -> list[Addition]:
    """Long-term validation data and metadata: nothing a reader sees on a page."""
    out = []
    dss_new, dss_old = new.root.raw_get("/DSS") if "/DSS" in new.root else None, (
        old.root.raw_get("/DSS") if "/DSS" in old.root else None)
    if dss_new is not None and (repr(dss_new) != repr(dss_old)
                                or (hasattr(dss_new, "reference") and dss_new.reference in changed)):
        out.append(Addition("validation_data", False, f"revision {rev} adds long-term validation data (DSS)", rev))
    meta = new.root.raw_get("/Metadata") if "/Metadata" in new.root else None
    info = new.trailer_view.raw_get("/Info") if "/Info" in new.trailer_view else None
    if any(m is not None and hasattr(m, "reference") and m.reference in changed for m in (meta, info)):
        out.append(Addition("metadata", False, f"revision {rev} updates the document metadata", rev))
    return out
