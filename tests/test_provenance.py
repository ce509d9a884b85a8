"""C2PA provenance offline: signed, read back, trusted only with the course's root, broken by
an edited byte, and gone after re-encoding."""

import pytest

from course_utils.avatars import make_talking_heads
from course_utils.provenance import GENERATED, make_course_signer, read_provenance, sign_video
from course_utils.video import read_mp4, save_mp4


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("provenance")
    clip = save_mp4(make_talking_heads(1).videos[0], folder / "clip.mp4")
    signer = make_course_signer()
    path = sign_video(clip, folder / "signed.mp4", signer, title="avatar", generator="test model")
    return path, signer


def test_a_signed_clip_says_who_made_it_and_is_trusted_only_with_the_course_root(signed):
    path, signer = signed
    unknown_root = read_provenance(path)
    assert unknown_root.state == "Valid" and unknown_root.failures == [
        "signingCredential.untrusted"
    ]
    assert unknown_root.generator == "test model" and unknown_root.source_type == GENERATED
    assert read_provenance(path, trust_anchors=signer.root_pem).state == "Trusted"
    # another self-made root is no better than none
    assert read_provenance(path, trust_anchors=make_course_signer().root_pem).state == "Valid"


def test_an_edited_byte_invalidates_it_and_re_encoding_drops_it(signed, tmp_path):
    path, signer = signed
    data = bytearray(path.read_bytes())
    data[data.find(b"mdat") + 200] ^= 0xFF  # one byte of the video itself
    (tmp_path / "edited.mp4").write_bytes(bytes(data))
    edited = read_provenance(tmp_path / "edited.mp4", trust_anchors=signer.root_pem)
    assert edited.state == "Invalid" and "assertion.bmffHash.mismatch" in edited.failures
    re_encoded = save_mp4(read_mp4(path), tmp_path / "re-encoded.mp4", scale=1)
    assert read_provenance(re_encoded).state == "none"


def test_missing_files_are_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_provenance(tmp_path / "missing.mp4")
    with pytest.raises(FileNotFoundError, match="no such file"):
        sign_video(tmp_path / "missing.mp4", tmp_path / "out.mp4", make_course_signer(),
                   title="t", generator="g")  # fmt: skip
