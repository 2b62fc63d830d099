"""Throwaway PKI and signed PDFs (chữ ký số thử nghiệm) for tests and fixture builders.

Builds a self-signed root CA and one end-entity certificate with `cryptography`, a
small PDF with reportlab, signs it incrementally with pyHanko (visible stamp, chosen
field name and signing time) and appends unsigned incremental updates. Nothing here
is a real authority; every key is made fresh in the folder you pass.

Example (what `tests/test_signatures.py` does)::

    pki = make_pki(tmp_path, common_name="Nguyễn Hữu Hưng", email="hung@quangtri.gov.vn")
    plain = make_pdf(tmp_path / "plain.pdf", ["Số: 599/SCT-VP", "Kính gửi: Các phòng"])
    signed = sign_pdf(plain, tmp_path / "signed.pdf", pki, "Sig1_NguyenHuuHung",
                      signed_at=datetime(2019, 4, 19, 9, 11, 49, tzinfo=ICT))
    append_update(signed, tmp_path / "edited.pdf", title="Bản đã sửa sau khi ký")
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import GenericPdfSignedAttributeProviderSpec, PdfCMSSignedAttributes
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

ICT = timezone(timedelta(hours=7))  # giờ Đông Dương, UTC+07:00
NOT_BEFORE = datetime(2015, 1, 1, tzinfo=timezone.utc)
NOT_AFTER = datetime(2045, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Pki:
    """PEM files of a throwaway PKI: the root CA, and the signer's key and certificate."""

    root_cert: Path
    signer_key: Path
    signer_cert: Path


def make_pki(
    folder: Path,
    *,
    common_name: str = "Nguyễn Văn Thử",
    email: str = "thu.nv@example.gov.vn",
    organization: str = "Sở Thử Nghiệm",
    root_name: str = "Throwaway Test Root — not a real authority",
    email_in_subject: bool = True,
) -> Pki:
    """Makes a root CA and an end-entity signing certificate in `folder` (PEM files).

    Writes `root.pem`, `signer-key.pem` and `signer-cert.pem` (EC P-256 keys, valid
    2015–2045); call it with another folder for an unrelated PKI. The email is always
    in the subjectAltName (rfc822Name), and also in the subject unless
    `email_in_subject` is False.
    """
    folder.mkdir(parents=True, exist_ok=True)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.COMMON_NAME, root_name),
    ])
    root = (
        x509.CertificateBuilder()
        .subject_name(root_subject).issuer_name(root_subject)
        .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        *([x509.NameAttribute(NameOID.EMAIL_ADDRESS, email)] if email_in_subject else []),
    ])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(root_subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    pki = Pki(folder / "root.pem", folder / "signer-key.pem", folder / "signer-cert.pem")
    pki.root_cert.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    pki.signer_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.signer_key.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    return pki


def _key_usage(*, cert_sign: bool):
    return x509.KeyUsage(
        digital_signature=not cert_sign, content_commitment=not cert_sign, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
        encipher_only=False, decipher_only=False,
    )


def make_pdf(dst: Path, lines: Sequence[str], *, pages: int = 1) -> Path:
    """Writes an A4 PDF with `lines` on each of `pages` pages (Liberation Serif when installed)."""
    font = "Helvetica"
    ttf = Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf")
    if ttf.exists():
        pdfmetrics.registerFont(TTFont("LiberationSerif", str(ttf)))
        font = "LiberationSerif"
    pdf = canvas.Canvas(str(dst), pagesize=A4, invariant=True)
    for _ in range(pages):
        pdf.setFont(font, 13)
        for i, line in enumerate(lines):
            pdf.drawString(72, A4[1] - 72 - 17 * i, line)
        pdf.showPage()
    pdf.save()
    return dst


def sign_pdf(
    src: Path,
    dst: Path,
    pki: Pki,
    field_name: str,
    *,
    signed_at: datetime | None = None,
    cms_signing_time: datetime | None = None,
    page: int = 0,
    box: tuple[int, int, int, int] = (300, 60, 540, 140),
    stamp_text: str | None = None,
) -> Path:
    """Signs `src` incrementally into `dst` with a visible stamp on `page` (0-based) in `box`.

    `signed_at` sets both the signature dictionary's /M and the CMS signingTime;
    `cms_signing_time` overrides the latter alone, e.g. local time labelled as UTC,
    the way some Vietnamese signing tools write it. `stamp_text` is what the stamp says
    (Liberation Serif, so Vietnamese letters show): a signer box ("Ký bởi: …") or a
    number typed in by the signing system ("8151"), as VGCA tools draw them.
    """
    signer = signers.SimpleSigner.load(
        str(pki.signer_key), str(pki.signer_cert), ca_chain_files=(str(pki.root_cert),)
    )
    if cms_signing_time is not None:
        signer.signed_attr_prov_spec = GenericPdfSignedAttributeProviderSpec(
            attr_settings=PdfCMSSignedAttributes(signing_time=cms_signing_time),
            signing_cert=signer.signing_cert,
            signature_mechanism=signer.get_signature_mechanism_for_digest,
            timestamper=None,
        )
    pdf_signer = _ClockedPdfSigner(
        signers.PdfSignatureMetadata(field_name=field_name),
        signer=signer,
        new_field_spec=fields.SigFieldSpec(field_name, on_page=page, box=box),
        system_time=signed_at,
        stamp_style=_text_stamp(stamp_text) if stamp_text is not None else None,
    )
    with open(src, "rb") as inp, open(dst, "wb") as out:
        pdf_signer.sign_pdf(IncrementalPdfFileWriter(inp, strict=False), output=out)
    return dst


def _text_stamp(text: str):
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    font = GlyphAccumulatorFactory("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf")
    return TextStampStyle(stamp_text=text.replace("%", "%%"), border_width=0, background=None,
                          text_box_style=TextBoxStyle(font=font, font_size=10))


def append_update(src: Path, dst: Path, *, title: str = "Sửa sau khi ký") -> Path:
    """Copies `src` to `dst` plus one unsigned incremental update that sets the Info /Title."""
    with open(src, "rb") as inp, open(dst, "wb") as out:
        writer = IncrementalPdfFileWriter(inp, strict=False)
        old_info = writer.prev.trailer_view.get("/Info")
        info = generic.DictionaryObject(dict(old_info.get_object().items()) if old_info is not None else {})
        info[generic.pdf_name("/Title")] = generic.TextStringObject(title)
        writer.set_info(info)
        writer.write(out)
    return dst


def flip_byte(src: Path, dst: Path, offset: int) -> Path:
    """Copies `src` to `dst` with the byte at `offset` XOR 0x01."""
    data = bytearray(src.read_bytes())
    data[offset] ^= 0x01
    dst.write_bytes(bytes(data))
    return dst


class _ClockedPdfSigner(signers.PdfSigner):
    """PdfSigner whose signing session uses a fixed clock instead of now()."""

    def __init__(self, *args, system_time: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._system_time = system_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        if self._system_time is not None:
            session.system_time = self._system_time
        return session
