"""Signing: a PAdES baseline B-B signature over the rendered PDF, with pyHanko.

- The signature is **invisible** (a zero-size widget, print flag set): no appearance stream, so
  no font to embed and nothing that could break PDF/A-3b. The signer, reason and time show in
  any PDF reader's signature panel.
- It is added as an incremental update, so the signed file starts with the exact bytes the
  renderer produced; the XMP metadata (with the PDF/A identification) is carried over.
- The signing time is a parameter (``signed_at``): this module reads no clock.
- :func:`make_demo_signing_key` writes a self-signed RSA key and certificate for demos; a
  verifier can check integrity with it but not trust (see :mod:`reports.verify`).
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR, DocumentMetadata
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner

from reports.errors import RenderFailed

FIELD_NAME = "slatrack-signature"
DEMO_KEY_FILE = "slatrack-demo-signing-key.pem"
DEMO_CERT_FILE = "slatrack-demo-signing-cert.pem"
# The demo certificate's validity is fixed (not read from a clock): wide enough for any demo.
DEMO_NOT_BEFORE = datetime(2020, 1, 1, tzinfo=UTC)
DEMO_NOT_AFTER = datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)


@dataclass(frozen=True)
class SigningKey:
    """Where the PEM private key and certificate are (configuration passes them in)."""

    key_path: Path
    cert_path: Path
    passphrase: bytes | None = None
    signer_name: str | None = None
    location: str | None = None


class _PinnedTimeMetadata(DocumentMetadata):
    """pyHanko sets ``last_modified = 'now'`` just before writing; pin it to ``signed_at``."""

    _pinned: datetime

    def __init__(self, pinned: datetime) -> None:
        object.__setattr__(self, "_pinned", pinned)
        super().__init__()

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "last_modified" and value == "now":
            value = self._pinned
        object.__setattr__(self, name, value)


class _Writer(IncrementalPdfFileWriter):
    """An incremental writer that keeps the PDF/A metadata consistent: ``/ModDate`` and
    ``xmp:ModifyDate`` are the signing time (no clock read), and the Info ``/Producer`` equals
    the XMP ``pdf:Producer`` that pyHanko writes (PDF/A requires the two to agree)."""

    def __init__(self, pdf: bytes, *, modified: datetime) -> None:
        super().__init__(io.BytesIO(pdf), strict=False)
        self._meta = _PinnedTimeMetadata(modified)
        # The second /ID element marks this revision; pyHanko draws it at random, we derive it
        # from the input and the signing time so signing is reproducible too.
        revision_id = hashlib.sha256(pdf + modified.isoformat().encode()).digest()[:16]
        self._document_id = generic.ArrayObject([self._document_id[0], generic.ByteStringObject(revision_id)])

    def _update_meta(self) -> None:
        super()._update_meta()  # type: ignore[no-untyped-call]
        if self._info is not None:
            info = self._info.get_object()  # type: ignore[no-untyped-call]
            if info.get("/Producer") != VENDOR:
                info["/Producer"] = generic.TextStringObject(VENDOR)
                self.mark_update(self._info)


class _FixedTimePdfSigner(PdfSigner):
    """A :class:`PdfSigner` whose CMS ``signingTime`` and ``/M`` are the given instant."""

    def __init__(self, *args: Any, signing_time: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


def sign_pdf(pdf: bytes, key: SigningKey, *, signed_at: datetime, reason: str) -> bytes:
    """Sign ``pdf`` (PAdES B-B, SHA-256, invisible) and return the signed bytes."""
    if signed_at.tzinfo is None or signed_at.utcoffset() is None:
        raise ValueError("signed_at must carry a UTC offset")
    try:
        signer = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
            key_file=str(key.key_path), cert_file=str(key.cert_path), key_passphrase=key.passphrase
        )
    except Exception as exc:  # pyHanko raises several types for unreadable keys
        raise RenderFailed(f"cannot load the signing key or certificate: {exc}", code="signing_key_unusable") from exc
    if signer is None:
        raise RenderFailed("cannot load the signing key or certificate", code="signing_key_unusable")
    meta = PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=key.location,
        name=key.signer_name,
    )
    when = signed_at.astimezone(UTC)
    writer = _Writer(pdf, modified=when)
    pdf_signer = _FixedTimePdfSigner(meta, signer, signing_time=when)
    out = pdf_signer.sign_pdf(writer)
    signed: bytes = out.getvalue()
    return signed


def make_demo_signing_key(
    directory: Path | str, *, common_name: str = "slatrack demo signer (self-signed)",
    organization: str = "slatrack demo",
) -> tuple[Path, Path]:
    """Write a self-signed RSA-3072 key and certificate (PEM) into ``directory`` and return
    ``(key_path, cert_path)``. If both files exist already they are kept (idempotent). The key
    file is created with mode 0600."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = directory / DEMO_KEY_FILE, directory / DEMO_CERT_FILE
    if key_path.exists() and cert_path.exists():
        return key_path, cert_path
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
    ])
    public_key = private_key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(DEMO_NOT_BEFORE)
        .not_valid_after(DEMO_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(private_key, hashes.SHA256())
    )
    key_bytes = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key_bytes)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def certificate_fingerprint(cert_pem_or_der: bytes) -> str:
    """SHA-256 fingerprint (hex) of a certificate given as PEM or DER."""
    if b"-----BEGIN" in cert_pem_or_der:
        cert = x509.load_pem_x509_certificate(cert_pem_or_der)
    else:
        cert = x509.load_der_x509_certificate(cert_pem_or_der)
    return cert.fingerprint(hashes.SHA256()).hex()
