"""The shipped data files are read with their checksum checked."""

import hashlib

import numpy as np
import pytest

from reservoir import shipped_data


def _fake_checkout(tmp_path, monkeypatch, payload, checksum_of=None):
    data = tmp_path / "data"
    data.mkdir()
    np.savez(data / "x.npz", a=np.arange(3.0))
    raw = (data / "x.npz").read_bytes()
    (data / "x.npz.sha256").write_text(hashlib.sha256(raw if checksum_of is None else checksum_of).hexdigest())
    if payload is not None:
        (data / "x.npz").write_bytes(payload(raw))
    monkeypatch.setattr(shipped_data, "__file__", str(tmp_path / "reservoir" / "shipped_data.py"))


def test_reads_a_file_that_matches_its_checksum(tmp_path, monkeypatch):
    _fake_checkout(tmp_path, monkeypatch, None)
    np.testing.assert_array_equal(shipped_data.read_checked_npz("x.npz")["a"], [0.0, 1.0, 2.0])


@pytest.mark.parametrize("damage", [lambda raw: raw[:-10], lambda raw: raw[:100] + bytes([raw[100] ^ 1]) + raw[101:]])
def test_a_truncated_or_altered_file_is_refused(tmp_path, monkeypatch, damage):
    _fake_checkout(tmp_path, monkeypatch, damage)
    with pytest.raises(OSError, match="x.npz is corrupted"):
        shipped_data.read_checked_npz("x.npz")
