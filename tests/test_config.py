"""Settings read from the environment, and the thread count chosen from the usable CPUs."""

import pytest

from ingest.config import settings_from_env, torch_threads, usable_cpus


def test_the_usable_cpus_are_the_affinity_capped_by_a_cgroup_quota():
    assert usable_cpus(affinity=8, cpu_max="max 100000") == 8
    assert usable_cpus(affinity=8, cpu_max="") == 8
    assert usable_cpus(affinity=8, cpu_max="200000 100000") == 2
    assert usable_cpus(affinity=8, cpu_max="150000 100000") == 1  # 1.5 CPUs: one thread
    assert usable_cpus(affinity=8, cpu_max="50000 100000") == 1  # never zero
    assert usable_cpus(affinity=2, cpu_max="400000 100000") == 2  # the quota only caps
    assert usable_cpus(affinity=4, cpu_max="nonsense 0") == 4


def test_torch_threads_follow_the_usable_cpus_unless_trd30_threads_says_otherwise():
    assert torch_threads({}) == usable_cpus()
    assert torch_threads({"TRD30_THREADS": "1"}) == 1
    assert torch_threads({"TRD30_THREADS": " 3 "}) == 3
    assert torch_threads({"TRD30_THREADS": "0"}) == 1
    with pytest.raises(ValueError, match="TRD30_THREADS må være et heltall"):
        torch_threads({"TRD30_THREADS": "mange"})


def test_settings_have_their_defaults():
    settings = settings_from_env({})
    assert settings.index_dir.name == "index" and settings.root_path == ""


def test_the_owner_is_universitetskommunen_unless_set_and_a_logo_is_a_path():
    settings = settings_from_env({})
    assert settings.owner_name == "Universitetskommunen TRD3.0"
    assert settings.owner_logo is None
    settings = settings_from_env({"TRD30_OWNER_NAME": "  Trondheim kommune ",
                                  "TRD30_OWNER_LOGO": "/srv/logo.svg"})  # fmt: skip
    assert settings.owner_name == "Trondheim kommune"
    assert str(settings.owner_logo) == "/srv/logo.svg"
    blank = settings_from_env({"TRD30_OWNER_NAME": "   "})
    assert blank.owner_name == "Universitetskommunen TRD3.0"
