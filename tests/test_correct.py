"""Vietnamese post-correction of OCR text (ingest.correct), on the lexicon shipped in rules/."""
from __future__ import annotations

from congvan.ingest.correct import correct_result, correct_text, gains_marks, lexicon
from congvan.ingest.model import OcrResult, Word


def test_words_that_are_no_syllable_take_the_marks_their_neighbours_show():
    assert correct_text("tiêu chuân quốc gia") == "tiêu chuẩn quốc gia"
    assert correct_text("hướng dân thi hành") == "hướng dẫn thi hành"
    assert correct_text("ĐỘC LẬP - TỰ DO - HANH PHÚC") == "ĐỘC LẬP - TỰ DO - HẠNH PHÚC"


def test_a_valid_syllable_only_gains_marks_and_never_changes_them():
    assert not gains_marks("tỉnh", "tình")
    assert not gains_marks("nguyễn", "nguyên")
    assert gains_marks("tô", "tổ")
    assert correct_text("UBND tỉnh Bình Định") == "UBND tỉnh Bình Định"
    assert correct_text("công tác tô chức") == "công tác tổ chức"


def test_names_are_left_alone_unless_a_registry_knows_them():
    assert correct_text("Người ký: Nguyên Văn Tình") == "Người ký: Nguyên Văn Tình"
    assert correct_text("tỉnh Quang Ngai") == "tỉnh Quảng Ngãi"
    assert correct_text("THÀNH PHÓ HÒ CHÍ MINH") == "THÀNH PHỐ HỒ CHÍ MINH"


def test_frequent_words_are_kept_as_read():
    assert correct_text("Chính phủ có ý kiến") == "Chính phủ có ý kiến"
    assert correct_text("chính quyền địa phương hai cấp") == "chính quyền địa phương hai cấp"


def test_case_and_punctuation_are_kept():
    assert correct_text("Triên khai, tô chức; (CHU NGHIA)") == "Triển khai, tổ chức; (CHỦ NGHĨA)"
    assert correct_text("Số: 12/QĐ-UBND\tngày 3") == "Số: 12/QĐ-UBND\tngày 3"


def test_a_corrected_result_keeps_the_raw_text_and_corrects_words_and_cells():
    words = (Word("tô", 10, 10, 20, 20, conf=60.0), Word("chức", 22, 10, 40, 20, conf=90.0))
    result = OcrResult(text="tô chức", words=words, confidence=75.0, tables=((("tô chức", None),),))
    fixed = correct_result(result)
    assert (fixed.text, fixed.raw_text) == ("tổ chức", "tô chức")
    assert [w.text for w in fixed.words] == ["tổ", "chức"]
    assert fixed.tables == ((("tổ chức", None),),)
    sure = correct_result(result, confident_at=50.0)
    assert sure.text == "tô chức"


def test_the_lexicon_holds_the_syllables_of_the_word_list_and_the_registries():
    lex = lexicon()
    assert len(lex.syllables) > 6000
    assert lex.valid("ngãi") and lex.valid("hòa") and lex.valid("hoà")
    assert lex.pair("chủ", "nghĩa") and lex.pair("chủ", "nghĩa", registry=True)


def test_the_second_pass_corrects_a_word_whose_neighbour_the_first_pass_corrected():
    # "va" is looked at again once "phoi" became "phối": "và phối hợp"
    assert correct_text("điểm đe xác đinh li do bì trừ điểm va phoi hop voi Van phong sở kip thoi bo") == \
        "điểm đe xác định lí do bì trừ điểm và phối hợp với Văn phòng sở kịp thời bo"


def test_marks_are_gained_between_6599_pairs_of_syllables_of_the_same_letters():
    from congvan.ingest.lexicon import marks

    lex = lexicon()
    assert sum(gains_marks(w, c) for w in lex.syllables for c in lex.by_letters.get(marks(w)[0], ())) == 6599


def test_the_forms_of_the_1124_syllables_running_text_uses_three_times_are_worked_out_ahead():
    from congvan.ingest.lexicon import fill_forms, marks

    lex = lexicon()
    fill_forms(lex)
    frequent = [s for s in lex.syllables if lex.count(s) >= 3]
    assert len(frequent) == 1124
    assert all(lex.memo[s] == tuple(c for c in lex.by_letters[marks(s)[0]] if gains_marks(s, c)) for s in frequent)
    assert lex.memo["tô"] == ("tố", "tồ", "tổ", "tộ")
