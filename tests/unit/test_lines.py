from omnigen.lines import split_lines
from omnigen.script import word_count


def test_sentences_become_lines():
    assert split_lines("Meet Veltrexa. It may help!  Ask your doctor?") == [
        "Meet Veltrexa.",
        "It may help!",
        "Ask your doctor?",
    ]


def test_long_sentence_is_cut_at_clauses_and_keeps_every_word():
    text = (
        "Veltrexa can cause serious side effects, including serious infections such as "
        "tuberculosis; allergic reactions; headache; and upper respiratory infections in some people."
    )
    lines = split_lines(text, max_words=10)
    assert len(lines) > 1
    assert all(word_count(line) <= 10 for line in lines)
    assert " ".join(lines).split() == text.split()


def test_empty():
    assert split_lines("   ") == []
