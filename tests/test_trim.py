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
    for k in trim.ALLOCATOR_ENV:
        monkeypatch.delenv(k, raising=False)
    return fake


def test_reuse_sets_both_thresholds(libc):
    trim.reuse_freed.__wrapped__()
    assert sorted(v for _, v in libc.calls) == sorted([trim.MMAP_THRESHOLD, trim.TRIM_THRESHOLD])


@pytest.mark.parametrize("var", trim.ALLOCATOR_ENV)
def test_the_environment_has_the_last_word(libc, monkeypatch, var):
    monkeypatch.setenv(var, "1048576")
    trim.reuse_freed.__wrapped__()
    assert libc.calls == []


def test_release_hands_memory_back(libc):
    trim.release_freed()
    assert libc.calls == [("trim", 0)]


def test_nothing_to_do_without_glibc(monkeypatch):
    monkeypatch.setattr(trim, "_libc", lambda: None)
    trim.reuse_freed.__wrapped__()
    trim.release_freed()
