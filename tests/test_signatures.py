"""Digital signatures (chữ ký số): the corpus's signed PDFs and PDFs signed here with a throwaway PKI."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from congvan.ingest.model import Signature
from congvan.ingest.signatures import load_trust_roots, read_signatures
from tests.signing import ICT, append_update, flip_byte, make_pdf, make_pki, sign_pdf

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
SIGNED_AT = datetime(2019, 4, 19, 9, 11, 49, tzinfo=ICT)  # giờ ký of công văn 599/SCT-VP


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """A one-page công văn signed by "Nguyễn Hữu Hưng", plus its PKI and an unrelated one."""
    folder = tmp_path_factory.mktemp("signed")
    pki = make_pki(folder / "pki", common_name="Nguyễn Hữu Hưng", email="nguyenhuuhung@quangtri.gov.vn",
                   organization="Sở Công thương")
    other = make_pki(folder / "other", root_name="Unrelated Root — not a real authority")
    plain = make_pdf(folder / "plain.pdf", ["Số: 599/SCT-VP", "Kính gửi: Các phòng chuyên môn thuộc Sở."])
    pdf = sign_pdf(plain, folder / "signed.pdf", pki, "Sig1_NguyenHuuHung", signed_at=SIGNED_AT)
    return {"folder": folder, "pki": pki, "other": other, "plain": plain, "pdf": pdf}


def expected_row(**changes) -> Signature:
    row = dict(
        field_name="Sig1_NguyenHuuHung", signer_name="Nguyễn Hữu Hưng",
        signer_email="nguyenhuuhung@quangtri.gov.vn", organization="Sở Công thương",
        signed_at="2019-04-19T09:11:49+07:00", intact=True, covers_whole_document=True, trusted=True,
        certificate_issuer="Throwaway Test Root — not a real authority", page=1,
        summary="INTACT:TRUSTED,UNTOUCHED", cms_signed_at="2019-04-19T02:11:49+00:00",
    )
    row.update(changes)
    return Signature(**row)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_corpus_003_five_signatures_match_gold():
    rows = read_signatures(CORPUS / "003-signed.pdf", trust_roots=[CORPUS / "test-ca.pem"])
    gold = json.loads((CORPUS / "003.gold.json").read_text(encoding="utf-8"))["signatures"]
    assert [(r.signer_name, r.signer_email, r.signed_at) for r in rows] == [
        (g["signer_name"], g["email"], g["signed_at"]) for g in gold
    ]
    assert [r.field_name for r in rows] == [
        "Sig1_HoTrungKien", "Sig2_VuVanHung", "Sig3_UBNDTP_ChuKy", "Sig4_UBNDTP_So", "Sig5_UBNDTP_Ngay",
    ]
    assert [(r.intact, r.trusted, r.covers_whole_document) for r in rows] == [
        (True, True, False), (True, True, False), (True, True, False), (True, True, False), (True, True, True),
    ]
    assert [r.page for r in rows] == [9, 9, 9, 1, 1]
    assert {r.organization for r in rows} == {"Ủy ban nhân dân thành phố Buôn Ma Thuột"}
    assert {r.certificate_issuer for r in rows} == {"Test Root CA — not a real authority"}
    assert rows[-1].summary == "INTACT:TRUSTED,UNTOUCHED"


def test_signed_pdf_reads_back_signer_and_time(signed):
    rows = read_signatures(signed["pdf"], trust_roots=[signed["pki"].root_cert])
    assert rows == (expected_row(),)


def test_update_after_signing_keeps_signature_intact_but_not_whole(signed):
    edited = append_update(signed["pdf"], signed["folder"] / "edited.pdf", title="Sửa sau khi ký")
    rows = read_signatures(edited, trust_roots=[signed["pki"].root_cert])
    assert rows == (expected_row(
        covers_whole_document=False,
        summary="INTACT:TRUSTED,EXTENDED_WITH_LTA_UPDATES,ACCEPTABLE_MODIFICATIONS",
    ),)


def test_trust_depends_on_the_configured_root(signed):
    unrelated = read_signatures(signed["pdf"], trust_roots=[signed["other"].root_cert])
    assert unrelated == (expected_row(trusted=False, summary="INTACT:UNTRUSTED,UNTOUCHED"),)
    none = read_signatures(signed["pdf"])
    assert none == (expected_row(trusted=False, summary="INTACT:UNTRUSTED,UNTOUCHED"),)
    own_folder = read_signatures(signed["pdf"], trust_roots=[signed["pki"].root_cert.parent])
    assert own_folder == (expected_row(),)


def test_load_trust_roots_reads_every_pem_in_a_folder(signed):
    roots = load_trust_roots([signed["pki"].root_cert.parent, signed["other"].root_cert])
    assert [r.subject.native["common_name"] for r in roots] == [
        "Throwaway Test Root — not a real authority",  # root.pem
        "Nguyễn Hữu Hưng",                             # signer-cert.pem (signer-key.pem holds no cert)
        "Unrelated Root — not a real authority",
    ]


def test_flipped_byte_in_signed_range_is_not_intact(signed):
    data = signed["pdf"].read_bytes()
    offset = data.index(b"ReportLab PDF Library") + 2  # the /Producer string, inside the signed bytes
    tampered = flip_byte(signed["pdf"], signed["folder"] / "tampered.pdf", offset)
    rows = read_signatures(tampered, trust_roots=[signed["pki"].root_cert])
    assert rows == (expected_row(intact=False, trusted=False, summary="INVALID"),)
    assert signed["pdf"].read_bytes() == data  # the signed file itself is never modified


def test_truncated_signed_pdf_gives_an_unreadable_row(signed):
    truncated = signed["folder"] / "truncated.pdf"
    truncated.write_bytes(signed["pdf"].read_bytes()[:-200])  # xref and trailer of the signed revision lost
    assert read_signatures(truncated, trust_roots=[signed["pki"].root_cert]) == (Signature(
        field_name="", signer_name=None, signer_email=None, organization=None, signed_at=None,
        intact=False, covers_whole_document=False, trusted=False, certificate_issuer=None, page=None,
        summary="UNREADABLE: 1 signature dictionary, but pyHanko cannot parse the file "
                "(PdfReadError: EOF marker not found)",
    ),)


def test_unsigned_pdf_has_no_signatures(signed):
    assert read_signatures(signed["plain"], trust_roots=[signed["pki"].root_cert]) == ()


def test_local_time_labelled_utc_in_cms_yields_to_m(signed):
    """The CMS says 09:11:49Z (local time mislabelled, 7 hours off), /M says 09:11:49+07:00: /M wins."""
    pdf = sign_pdf(signed["plain"], signed["folder"] / "mislabelled.pdf", signed["pki"], "Sig1_NguyenHuuHung",
                   signed_at=SIGNED_AT, cms_signing_time=SIGNED_AT.replace(tzinfo=timezone.utc))
    rows = read_signatures(pdf, trust_roots=[signed["pki"].root_cert])
    assert [(r.signed_at, r.cms_signed_at) for r in rows] == [
        ("2019-04-19T09:11:49+07:00", "2019-04-19T09:11:49+00:00")]


def test_m_wins_when_cms_time_is_off_by_minutes(signed):
    """/M is the time the signing software shows; a CMS time 6 h 51 min off stays in its own column."""
    pdf = sign_pdf(signed["plain"], signed["folder"] / "skewed.pdf", signed["pki"], "Sig1_NguyenHuuHung",
                   signed_at=SIGNED_AT, cms_signing_time=datetime(2019, 4, 19, 16, 2, 49, tzinfo=timezone.utc))
    rows = read_signatures(pdf, trust_roots=[signed["pki"].root_cert])
    assert [(r.signed_at, r.cms_signed_at) for r in rows] == [
        ("2019-04-19T09:11:49+07:00", "2019-04-19T16:02:49+00:00")]


def test_junk_before_the_header_is_skipped_and_the_signature_verifies(signed):
    """Bytes before %PDF (which readers tolerate): the byte ranges count from the header."""
    junky = signed["folder"] / "junk-before-header.pdf"
    junky.write_bytes(bytes(range(200, 221)) + signed["pdf"].read_bytes())
    rows = read_signatures(junky, trust_roots=[signed["pki"].root_cert])
    assert rows == (expected_row(summary="INTACT:TRUSTED,UNTOUCHED; read from byte 21, after the junk before %PDF"),)


def test_email_comes_from_subject_alt_name_when_subject_has_none(tmp_path):
    pki = make_pki(tmp_path / "pki", common_name="Sở Công thương", email="soct@quangtri.gov.vn",
                   organization="Sở Công thương", email_in_subject=False)
    plain = make_pdf(tmp_path / "plain.pdf", ["Số: 599/SCT-VP"], pages=3)
    pdf = sign_pdf(plain, tmp_path / "signed.pdf", pki, "Sig2_SoCongThuong", signed_at=SIGNED_AT, page=2)
    rows = read_signatures(pdf, trust_roots=[pki.root_cert])
    assert [(r.signer_name, r.signer_email, r.page, r.trusted) for r in rows] == [
        ("Sở Công thương", "soct@quangtri.gov.vn", 3, True),
    ]
