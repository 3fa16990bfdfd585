"""How runs use the C library's allocator (sim.trim): freed arrays reused, unless the
person starting the process set glibc's thresholds themselves."""

from __future__ import annotations

import pytest

from sim import trim


class FakeLibc:
    def __init__(self):
        self.calls = []

    def mallopt(self, param, value):
        self.calls.append((param, value))
        return 1

    def malloc_trim(self, pad):
        self.calls.append(("trim", pad))
        return 1


@pytest.fixture
def libc(monkeypatch):
    fake = FakeLibc()
    monkeypatch.setattr(trim, "_libc", lambda: fake)
    for k in (*trim.ALLOCATOR_ENV, "GLIBC_TUNABLES"):
        monkeypatch.delenv(k, raising=False)
    return fake


def test_reuse_sets_both_thresholds(libc):
    trim.reuse_freed.__wrapped__()
    # glibc's parameter numbers: M_MMAP_THRESHOLD -3, M_TRIM_THRESHOLD -1.
    assert sorted(libc.calls) == [(-3, trim.MMAP_THRESHOLD), (-1, trim.TRIM_THRESHOLD)]


@pytest.mark.parametrize("var", trim.ALLOCATOR_ENV)
def test_the_environment_has_the_last_word(libc, monkeypatch, var):
    monkeypatch.setenv(var, "1048576")
    trim.reuse_freed.__wrapped__()
    assert libc.calls == []


def test_release_hands_memory_back(libc):
    trim.release_freed()
    assert libc.calls == [("trim", 0)]


def test_a_glibc_tunable_has_the_last_word_too(libc, monkeypatch):
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=1048576")
    trim.reuse_freed.__wrapped__()
    assert libc.calls == []
    assert not trim.user_set({"GLIBC_TUNABLES": "glibc.pthread.rseq=0"})


def test_nothing_to_do_without_glibc(monkeypatch):
    monkeypatch.setattr(trim, "_libc", lambda: None)
    assert trim.reuse_freed.__wrapped__() is None
    assert trim.release_freed() is None
