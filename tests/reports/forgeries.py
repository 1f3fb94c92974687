"""Forgeries of an issued report, each built as a pyHanko incremental update over the issued
bytes (what an attacker with pyHanko or any PDF editor can do), and the legitimate additions
(an invisible countersignature, a document timestamp, DSS validation data)."""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter

FAKE = "AVAILABILITY 99.9% PASS"
COVER = (0, 0, 595, 842)  # an A4 page, whole
STAMP = (40, 560, 560, 800)


def append(pdf: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _n(name: str) -> generic.NameObject:
    return generic.NameObject(name)


def _rect(box: tuple[float, float, float, float]) -> generic.ArrayObject:
    return generic.ArrayObject([generic.FloatObject(v) for v in box])


def _white_box_saying(w: IncrementalPdfFileWriter, text: str, box: tuple[float, float, float, float]) -> Any:
    """A form XObject: a white rectangle the size of ``box`` with ``text`` in large black type."""
    width, height = box[2] - box[0], box[3] - box[1]
    font = w.add_object(generic.DictionaryObject({
        _n("/Type"): _n("/Font"), _n("/Subtype"): _n("/Type1"), _n("/BaseFont"): _n("/Helvetica")}))
    content = (f"1 g 0 0 {width:g} {height:g} re f 0 g BT /F1 40 Tf 30 {height / 2:g} Td ({text}) Tj ET").encode()
    stream = generic.StreamObject({
        _n("/Type"): _n("/XObject"), _n("/Subtype"): _n("/Form"), _n("/BBox"): _rect((0, 0, width, height)),
        _n("/Resources"): generic.DictionaryObject({_n("/Font"): generic.DictionaryObject({_n("/F1"): font})}),
    }, stream_data=content)
    return w.add_object(stream)


def _first_page(w: IncrementalPdfFileWriter) -> tuple[Any, Any]:
    ref = w.root["/Pages"].raw_get("/Kids")[0]
    return ref, ref.get_object()


def _add_annotation(w: IncrementalPdfFileWriter, annot: generic.DictionaryObject) -> Any:
    page_ref, page = _first_page(w)
    annot[_n("/P")] = page_ref
    ref = w.add_object(annot)
    annots = page.get("/Annots")
    items = list(annots.get_object()) if annots is not None else []
    page[_n("/Annots")] = generic.ArrayObject([*items, ref])
    w.update_container(page)
    return ref


def unsigned_field_painting_the_cover(pdf: bytes) -> bytes:
    """An unsigned signature field whose appearance is a white box saying AVAILABILITY 99.9% PASS
    over the whole cover page."""

    def change(w: IncrementalPdfFileWriter) -> None:
        field = generic.DictionaryObject({
            _n("/Type"): _n("/Annot"), _n("/Subtype"): _n("/Widget"), _n("/FT"): _n("/Sig"),
            _n("/T"): generic.TextStringObject("approval"), _n("/F"): generic.NumberObject(4),
            _n("/Rect"): _rect(COVER),
            _n("/AP"): generic.DictionaryObject({_n("/N"): _white_box_saying(w, FAKE, COVER)}),
        })
        ref = _add_annotation(w, field)
        form = w.root.get("/AcroForm")
        if form is None:
            form = generic.DictionaryObject({_n("/Fields"): generic.ArrayObject([ref])})
            w.root[_n("/AcroForm")] = w.add_object(form)
            w.update_root()
        else:
            form = form.get_object()
            form[_n("/Fields")] = generic.ArrayObject([*form["/Fields"], ref])
            w.update_container(form)

    return append(pdf, change)


def square_note(pdf: bytes) -> bytes:
    """A Square annotation drawing a filled box over the scorecard."""

    def change(w: IncrementalPdfFileWriter) -> None:
        _add_annotation(w, generic.DictionaryObject({
            _n("/Type"): _n("/Annot"), _n("/Subtype"): _n("/Square"), _n("/Rect"): _rect((60, 500, 400, 560)),
            _n("/IC"): generic.ArrayObject([generic.FloatObject(1)] * 3), _n("/F"): generic.NumberObject(4),
            _n("/Contents"): generic.TextStringObject(FAKE),
        }))

    return append(pdf, change)


def free_text_note(pdf: bytes) -> bytes:
    def change(w: IncrementalPdfFileWriter) -> None:
        _add_annotation(w, generic.DictionaryObject({
            _n("/Type"): _n("/Annot"), _n("/Subtype"): _n("/FreeText"), _n("/Rect"): _rect((60, 600, 500, 660)),
            _n("/DA"): generic.TextStringObject("/Helv 24 Tf 0 g"), _n("/Contents"): generic.TextStringObject(FAKE),
        }))

    return append(pdf, change)


def page_content_appended(pdf: bytes) -> bytes:
    """A content stream appended to page 1: a white box and the fake figure, drawn on the page."""

    def change(w: IncrementalPdfFileWriter) -> None:
        _page_ref, page = _first_page(w)
        xobject = _white_box_saying(w, FAKE, STAMP)
        draw = w.add_object(generic.StreamObject(stream_data=f"q 1 0 0 1 {STAMP[0]} {STAMP[1]} cm /Fk Do Q".encode()))
        contents = page.raw_get("/Contents")
        items = list(contents.get_object()) if isinstance(contents.get_object(), list) else [contents]
        save, restore = (w.add_object(generic.StreamObject(stream_data=op)) for op in (b"q", b"Q"))
        page[_n("/Contents")] = generic.ArrayObject([save, *items, restore, draw])  # page's own transform undone
        resources = page["/Resources"]
        xobjects = resources.get("/XObject")
        merged = generic.DictionaryObject(dict(xobjects.get_object()) if xobjects is not None else {})
        merged[_n("/Fk")] = xobject
        resources = generic.DictionaryObject(dict(resources))
        resources[_n("/XObject")] = merged
        page[_n("/Resources")] = resources
        w.update_container(page)

    return append(pdf, change)


def trailing_garbage(pdf: bytes) -> bytes:
    return pdf + b"\n% AVAILABILITY 99.9% PASS\n1 0 obj (not a revision) endobj\n"


def countersign(pdf: bytes, key: tuple[Path, Path], *, visible: bool, name: str = "agency-countersignature") -> bytes:
    """A countersignature with the key at ``key``; ``visible``: a stamp over the top of page 1."""
    signer = signers.SimpleSigner.load(key_file=str(key[0]), cert_file=str(key[1]))
    meta = signers.PdfSignatureMetadata(field_name=name, subfilter=SigSeedSubFilter.PADES)
    spec = fields.SigFieldSpec(name, box=STAMP, on_page=0) if visible else None
    out = signers.PdfSigner(meta, signer, new_field_spec=spec).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False))
    return bytes(out.getvalue())


def _tsa(directory: Path) -> tuple[Any, Any]:
    """A self-made time-stamping authority (certificate with the timeStamping purpose)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")])
    start = datetime(2020, 1, 1, tzinfo=UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(start).not_valid_after(start + timedelta(days=36500))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tsa.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "tsa.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    return load_cert_from_pemder(str(directory / "tsa.pem")), load_private_key_from_pemder(
        str(directory / "tsa.key"), passphrase=None)


def document_timestamp(pdf: bytes, directory: Path) -> bytes:
    """A document timestamp (PAdES B-LTA style) from a self-made TSA, made offline."""
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    cert, key = _tsa(directory)
    stamper = DummyTimeStamper(tsa_cert=cert, tsa_key=key, fixed_dt=datetime(2026, 7, 2, tzinfo=UTC))
    out = PdfTimeStamper(stamper).timestamp_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), "sha256")
    return bytes(out.getvalue())


def dss_added(pdf: bytes, cert_pem: Path) -> bytes:
    """Long-term validation data: a DSS holding the signer's certificate."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    out = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(out, sig_contents=None, certs=[load_cert_from_pemder(str(cert_pem))],
                                  force_write=True)
    return out.getvalue()


def hidden_field_with_javascript(pdf: bytes) -> bytes:
    """An unsigned signature field flagged Hidden, of no size, whose widget runs JavaScript when
    the page opens (which could show anything)."""

    def change(w: IncrementalPdfFileWriter) -> None:
        script = generic.DictionaryObject({_n("/S"): _n("/JavaScript"),
                                           _n("/JS"): generic.TextStringObject("app.alert('AVAILABILITY 99.9% PASS')")})
        ref = _add_annotation(w, generic.DictionaryObject({
            _n("/Type"): _n("/Annot"), _n("/Subtype"): _n("/Widget"), _n("/FT"): _n("/Sig"),
            _n("/T"): generic.TextStringObject("quiet"), _n("/F"): generic.NumberObject(2),
            _n("/Rect"): _rect((0, 0, 0, 0)), _n("/AA"): generic.DictionaryObject({_n("/PO"): script}),
        }))
        form = w.root["/AcroForm"]
        form[_n("/Fields")] = generic.ArrayObject([*form["/Fields"], ref])
        w.update_container(form)

    return append(pdf, change)


def xref_bomb(pdf: bytes, *, inflated_mb: int = 512) -> bytes:
    """A revision whose cross-reference stream is about half a megabyte on disk and inflates to
    ``inflated_mb`` of zeros (a decompression bomb): a reader must decode it before it knows
    anything else of the revision, so the upload costs memory, not bytes."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    root, size = reader.trailer.raw_get("/Root"), int(reader.trailer["/Size"])
    deflate, chunk = zlib.compressobj(9), bytes(1024 * 1024)
    body = b"".join(deflate.compress(chunk) for _ in range(inflated_mb)) + deflate.flush()
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    start = len(pdf) + 1
    head = (f"{size} 0 obj\n<< /Type /XRef /Size {size + 1} /W [1 4 2] /Index [{size} 1] /Root "
            f"{root.idnum} {root.generation} R /Prev {prev} /Filter /FlateDecode /Length {len(body)} >>\nstream\n")
    return pdf + b"\n" + head.encode() + body + f"\nendstream\nendobj\nstartxref\n{start}\n%%EOF\n".encode()
