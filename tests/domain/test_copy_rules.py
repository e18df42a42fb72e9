from drafting.domain.copy_rules import sentence_body, without_label


def test_a_note_does_not_repeat_its_revisions_label():
    assert without_label("Rev.1: circulated ahead of SOM3", "Rev.1") == "circulated ahead of SOM3"
    assert without_label("Rev.1 — circulated", "Rev.1") == "circulated"
    assert without_label("Rev.1", "Rev.1") == ""
    assert without_label("Rev.10: later", "Rev.1") == "Rev.10: later"  # another label
    assert without_label("Circulated.", "Rev.1") == "Circulated."
    assert without_label(None, "Rev.1") == ""


def test_a_sentence_closed_by_the_template_loses_its_own_full_stop():
    assert sentence_body("Editorial changes (accepted).") == "Editorial changes (accepted)"
    assert sentence_body("Done!. ") == "Done"
    assert sentence_body("To be continued...") == "To be continued..."
    assert sentence_body("") == "" and sentence_body(None) == ""
