"""Ledger checkpoints: the ledger's head anchored outside the database.

``slatrack audit checkpoint -o FILE`` writes three files an agency can keep elsewhere:

* ``FILE``: the checkpoint, canonical JSON (sorted keys, no spaces, no trailing newline), the exact
  bytes signed: ``{"certificate_sha256", "created_at", "format", "hash", "seq", "signed", "signer"}``;
* ``FILE.sig``: the signature over those bytes with the configured signing key (RSA: PKCS#1 v1.5,
  EC: ECDSA, DER; both with SHA-256), as ``openssl dgst -sha256 -sign`` makes it;
* ``FILE.crt``: the signing certificate (PEM), whose SHA-256 fingerprint (of its DER) is in ``FILE``.

Anyone checks it without slatrack::

    openssl x509 -in FILE.crt -pubkey -noout > vendor.pub
    openssl dgst -sha256 -verify vendor.pub -signature FILE.sig FILE

With no signing key configured the checkpoint is refused unless asked for unsigned, and then says
so in its own bytes (``"signed": false``, no ``.sig``): it still anchors the head, but anyone who can
write the file can forge it. ``audit verify --checkpoint FILE`` proves the ledger still extends it:
the entry at ``seq`` still has ``hash`` and the head is at or after it (the chain in between is
proved by the ordinary walk).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy.orm import Session

from fleet.canonical import canonical_json, iso_utc
from fleet.models import AuditEntry, AuditHead
from reports.errors import BadCheckpoint
from reports.signing import SigningKey

FORMAT = "slatrack-audit-checkpoint/1"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    created_at: str
    signed: bool
    signer: str | None
    certificate_sha256: str | None


def sig_path(path: Path) -> Path:
    return path.with_name(path.name + ".sig")


def crt_path(path: Path) -> Path:
    return path.with_name(path.name + ".crt")


def _certificate_sha256(cert_pem: bytes) -> str:
    return hashlib.sha256(x509.load_pem_x509_certificate(cert_pem).public_bytes(Encoding.DER)).hexdigest()


def make(seq: int, head_hash: str, created_at: datetime, signer: SigningKey | None) -> tuple[bytes, bytes | None]:
    """The checkpoint's bytes and their signature (None: unsigned)."""
    cert = signer.cert_path.read_bytes() if signer is not None else None
    body = canonical_json({
        "format": FORMAT, "seq": seq, "hash": head_hash, "created_at": iso_utc(created_at),
        "signed": signer is not None, "signer": signer.signer_name if signer is not None else None,
        "certificate_sha256": _certificate_sha256(cert) if cert is not None else None,
    })
    return body, (_sign(body, signer) if signer is not None else None)


def _sign(data: bytes, signer: SigningKey) -> bytes:
    key = serialization.load_pem_private_key(signer.key_path.read_bytes(), password=signer.passphrase)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    raise BadCheckpoint(f"the signing key is {type(key).__name__}: checkpoints are signed with RSA or EC keys")


def write(path: Path, body: bytes, signature: bytes | None, signer: SigningKey | None) -> list[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    written = [path]
    if signature is not None and signer is not None:
        sig_path(path).write_bytes(signature)
        crt_path(path).write_bytes(signer.cert_path.read_bytes())
        written += [sig_path(path), crt_path(path)]
    return written


def read(path: Path) -> tuple[Checkpoint, bytes]:
    try:
        body = path.read_bytes()
        data: Any = json.loads(body)
    except (OSError, ValueError) as exc:
        raise BadCheckpoint(f"{path} is not a checkpoint: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BadCheckpoint(f"{path} is not a slatrack audit checkpoint (format {FORMAT})")
    try:
        cp = Checkpoint(seq=int(data["seq"]), hash=str(data["hash"]), created_at=str(data["created_at"]),
                        signed=bool(data["signed"]), signer=data.get("signer"),
                        certificate_sha256=data.get("certificate_sha256"))
    except (KeyError, TypeError, ValueError) as exc:
        raise BadCheckpoint(f"{path} is not a complete checkpoint: {exc}") from None
    return cp, body


def check_signature(path: Path, cp: Checkpoint, body: bytes, trusted_cert: bytes | None) -> str:
    """Check a signed checkpoint's signature; return what vouches for it, or raise :class:`BadCheckpoint`.

    ``trusted_cert``: the configured signing certificate (PEM); without one, the certificate
    beside the file is used, which proves the file unaltered but not who made it."""
    if not cp.signed:
        return ("unsigned checkpoint (no signing key was configured when it was made): it proves nothing about "
                "who made it")
    if not sig_path(path).exists():
        raise BadCheckpoint(f"{sig_path(path)} is missing: the checkpoint says it is signed")
    cert_pem = trusted_cert or (crt_path(path).read_bytes() if crt_path(path).exists() else None)
    if cert_pem is None:
        raise BadCheckpoint(f"no certificate to check the signature with (configure SLATRACK_SIGNING_CERT or "
                            f"keep {crt_path(path).name} beside the checkpoint)")
    if _certificate_sha256(cert_pem) != cp.certificate_sha256:
        raise BadCheckpoint("the checkpoint was signed with another certificate than "
                            + ("the configured one" if trusted_cert else "the one beside it"))
    key = x509.load_pem_x509_certificate(cert_pem).public_key()
    signature = sig_path(path).read_bytes()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, body, ec.ECDSA(hashes.SHA256()))
        else:
            raise BadCheckpoint(f"cannot check a {type(key).__name__} signature")
    except InvalidSignature:
        raise BadCheckpoint(f"the signature of {path.name} does not verify: the checkpoint was altered") from None
    return ("signature valid (the configured signing certificate)" if trusted_cert
            else "signature valid with the certificate beside it (not the configured one: it proves the file "
                 "unaltered, not who made it)")


def check_ledger(session: Session, cp: Checkpoint) -> str | None:
    """Why the ledger no longer extends the checkpoint, or None when it does."""
    head = session.get(AuditHead, 1)
    last = head.seq if head is not None else 0
    if last < cp.seq:
        return (f"the ledger ends at entry {last} but the checkpoint of {cp.created_at} records entry {cp.seq}: "
                "entries were cut from the end")
    entry = session.get(AuditEntry, cp.seq)
    if entry is None:
        return f"entry {cp.seq}, which the checkpoint of {cp.created_at} records, is missing from the ledger"
    if entry.hash != cp.hash:
        return (f"entry {cp.seq} has hash {entry.hash} but the checkpoint of {cp.created_at} recorded {cp.hash}: "
                f"the ledger was rewritten at or before entry {cp.seq}")
    return None
