"""What a submission's folder holds is read as plain files, and what is refused is said in text that shows itself."""

import os

from autograder.files import read_regular_files


def test_a_refused_name_that_is_not_utf8_is_said_as_text_every_writer_can_encode(tmp_path):
    """Python reads a name that is not UTF-8 with a lone surrogate in it; quoted raw in the
    refusal, it reached the class report, whose writer failed on it (tenth red team)."""
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "Notebook.ipynb").write_text("{}")
    with open(os.path.join(os.fsencode(folder), b"notes\xff.txt"), "wb") as f:
        f.write(b"x")
    os.mkdir(os.path.join(os.fsencode(folder), b"dir\x1b[2J"))
    contents = read_regular_files(str(folder))
    assert list(contents.files) == ["Notebook.ipynb"]
    assert len(contents.refused) == 2
    for note in contents.refused:
        note.encode("utf-8")
        assert note.isprintable(), note
