"""Provenance: a signed C2PA manifest on an MP4 that says "made by a generator", read back offline.

C2PA (the Coalition for Content Provenance and Authenticity) binds a signed statement, the
manifest, to a file's bytes: who made it, with what, and that it is ``trainedAlgorithmicMedia``
(IPTC's term for media made by a trained model).  A reader checks three things:

* the file's bytes hash to what the manifest signed (edit one byte of the video: **Invalid**);
* the signature is valid for the certificate in the manifest (**Valid**);
* the certificate chains to a trust anchor the reader trusts (**Trusted**).

The course signs with a certificate it makes itself (``make_course_signer``), so a reader that
does not know its root reads a valid signature from an untrusted signer, and says so
(``signingCredential.untrusted``): anyone can make such a certificate, so it proves integrity,
not identity.  Giving the reader the course's root as a trust anchor makes it Trusted.  And the
manifest lives in the file's metadata: re-encoding or screen-recording the video drops it, which
is why provenance and a watermark in the pixels (``course_utils.watermark``) complement each
other.  Uses ``c2pa-python``; nothing touches the network.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path

GENERATED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


@dataclass(frozen=True)
class CourseSigner:
    """A signing key with its certificate chain (PEM), and the self-made root that issued it."""

    chain_pem: bytes
    key_pem: bytes
    root_pem: bytes


def make_course_signer(days: int = 30) -> CourseSigner:
    """A fresh root certificate and an ES256 signing certificate issued by it, valid ``days``.

    C2PA readers ask the signing certificate for what any document signer has: not a CA, the
    digital-signature key usage, an extended key usage such as e-mail protection, and a chain to
    a root (here one the course made, which no reader trusts unless told to).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(common_name: str) -> x509.Name:
        return x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "course notebooks (self-made)"),
        ])  # fmt: skip

    def usage(*, sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=sign, key_cert_sign=not sign, crl_sign=not sign,
            content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, encipher_only=False, decipher_only=False,
        )  # fmt: skip

    now = datetime.datetime.now(datetime.timezone.utc)
    root_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = (
        x509.CertificateBuilder().subject_name(name("course root")).issuer_name(name("course root"))
        .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )  # fmt: skip
    leaf = (
        x509.CertificateBuilder().subject_name(name("course signer")).issuer_name(root.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(sign=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )  # fmt: skip
    pem = serialization.Encoding.PEM
    return CourseSigner(
        chain_pem=leaf.public_bytes(pem) + root.public_bytes(pem),
        key_pem=key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        root_pem=root.public_bytes(pem),
    )


def sign_video(
    source: str | os.PathLike,
    target: str | os.PathLike,
    signer: CourseSigner,
    *,
    title: str,
    generator: str,
) -> Path:
    """Copy the MP4 ``source`` to ``target`` with a signed manifest that says ``generator`` made
    it as trained algorithmic media."""
    import c2pa

    source, target = Path(source), Path(target)
    if not source.is_file():
        raise FileNotFoundError(f"source: expected an MP4 file, got {str(source)!r} (no such file)")
    manifest = {
        "claim_generator_info": [{"name": "course notebooks"}],
        "title": title,
        "assertions": [{
            "label": "c2pa.actions",
            "data": {"actions": [{
                "action": "c2pa.created",
                "digitalSourceType": GENERATED,
                "softwareAgent": {"name": generator},
            }]},
        }],
    }  # fmt: skip
    info = c2pa.C2paSignerInfo(b"es256", signer.chain_pem, signer.key_pem, None)
    with c2pa.Signer.from_info(info) as c2pa_signer, c2pa.Builder(manifest) as builder:
        target.parent.mkdir(parents=True, exist_ok=True)
        builder.sign_file(source, target, c2pa_signer)
    return target


@dataclass
class Provenance:
    """What a reader makes of a file: ``state`` is "Trusted", "Valid", "Invalid" or "none" (no
    manifest); ``failures`` the reader's failure codes; ``generator`` and ``source_type`` what
    the manifest says made it."""

    state: str
    failures: list[str] = field(default_factory=list)
    generator: str | None = None
    source_type: str | None = None


def read_provenance(path: str | os.PathLike, *, trust_anchors: bytes | None = None) -> Provenance:
    """Read and verify the manifest of ``path`` offline; ``trust_anchors`` (PEM roots) are the
    certificates this reader trusts."""
    import c2pa

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: expected a file, got {str(path)!r} (no such file)")
    settings: dict = {
        "verify": {"verify_trust": True, "ocsp_fetch": False, "remote_manifest_fetch": False}
    }
    if trust_anchors is not None:
        settings["trust"] = {"trust_anchors": trust_anchors.decode()}
    context = c2pa.Context(c2pa.Settings.from_dict(settings))
    try:
        reader = c2pa.Reader(path, context=context)
    except c2pa.C2paError.ManifestNotFound:
        return Provenance("none")
    with reader:
        results = (reader.get_validation_results() or {}).get("activeManifest", {})
        manifest = reader.get_active_manifest() or {}
        state = reader.get_validation_state() or "none"
    actions = [
        action
        for assertion in manifest.get("assertions", [])
        if assertion.get("label", "").startswith("c2pa.actions")
        for action in assertion["data"].get("actions", [])
    ]
    created: dict = next((a for a in actions if a.get("action") == "c2pa.created"), {})
    return Provenance(
        state=state,
        failures=[entry["code"] for entry in results.get("failure", [])],
        generator=created.get("softwareAgent", {}).get("name"),
        source_type=created.get("digitalSourceType"),
    )
