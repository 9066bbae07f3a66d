"""bench/run.py without a lab: the report renderer and the targets on a small fake results dict."""

import copy
import importlib.util
import os

import pytest

from conftest import ROOT

SPEC = importlib.util.spec_from_file_location("bench_run", os.path.join(ROOT, "bench", "run.py"))
bench = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bench)

PLAYBOOKS = ("inbound.yml", "outbound.yml", "cutover.yml")


def record(playbook, wall, reads_max=None, esa_play=None, **extra):
    """One run record as Runner.run makes it."""
    data = {key: 0 for key in bench.SUMMED}
    data.update({"playbook": playbook, "check": False, "wall_s": wall, "changed": 0, "recap": {}, "log": "x.log",
                 "tasks": [["start-up (before the first play)", 2.0]], "esa_logins": 1, "esa_lines": 20,
                 "esa_config_reads": 3, "esa_reads_max_per_login": reads_max or {"smtproutes": 1, "showconfig": 1}})
    data["esa_reads_max"] = max(data["esa_reads_max_per_login"].values(), default=0)
    if esa_play is not None:
        data["plays"] = [{"name": "gateway side", "seconds": esa_play, "hosts": ["esa1"]},
                         {"name": "tenant side", "seconds": wall / 2, "hosts": ["tenant1"]}]
    data.update(extra)
    return data


def size_entry(noop_wall, esa_check=5.0, converge_max=2):
    check = [record(name, 10.0, esa_play=esa_check, check=True) for name in PLAYBOOKS]
    converge = [record(name, 20.0, reads_max={"smtproutes": converge_max, "showconfig": 1}, esa_play=8.0,
                       esa_commits=1, esa_writes=4, changed=3) for name in PLAYBOOKS]
    repeats = [[record(name, noop_wall / 3, esa_play=1.0) for name in PLAYBOOKS] for _repeat in range(3)]
    naive = {"converge": [record("naive.yml", 100.0, esa_lines=200, esa_commits=10, objects=10)],
             "noop": [record("naive.yml", 50.0, objects=10)]}
    return {"domains": 1, "collection": {"check": check, "converge": converge, "noop_repeats": repeats,
                                         "noop": repeats[1]}, "naive": naive}


def results(large_noop=12.0, esa_check=5.0, converge_max=2):
    meta = {"date": "2026-11-28 10:00", "machine": "Linux x86_64", "nproc": 2, "cpu": "test CPU", "python": "3.12",
            "ansible_core": "2.21", "collection_source": "/src", "collections_path": "/c", "commit": "commit abc",
            "collection_digest": "0123", "command": "bench/run.py --sizes 1,100", "duration_s": 60.0,
            "noop_repeats": 3, "naive_noop_max_size": None}
    return {"meta": meta, "sizes": {"1": size_entry(9.0), "100": size_entry(large_noop, esa_check, converge_max)}}


def verdicts(data):
    return {target.split(")")[0] + ")": verdict for target, _figure, verdict in bench.evaluate(data)
            if target.startswith("(")}


def test_checks_pass_and_report_renders():
    data = results()
    targets = bench.evaluate(data)
    assert verdicts(data) == {"(a)": "PASS", "(b)": "PASS", "(c)": "PASS"}
    text = bench.render(data, targets)
    assert "| phase | run | wall s | changed | gateway logins | CLI round trips | commits | ESA writes | config reads |" \
           " max reads/login |" in text
    assert "| check | inbound.yml | 10.0 | 0 | 1 | 20 | 0 | 0 | 3 | 1 |" in text
    assert "| converge | **total** | **60.0** | **9** | **3** | **60** | **3** | **12** | **9** | **2** |" in text
    assert "(a) configuration reads per gateway login: at most 1 per source" in text
    assert "converge runs: max 2 (N=1 inbound.yml, smtproutes)" in text
    assert "(b) no-op wall time at the largest N (N=100) <= 1.5 x no-op at N=1" in text
    assert "N=100 12.0 s / N=1 9.0 s = 1.33" in text
    assert "(c) ESA part of check mode at the largest N (N=100" in text
    assert "10.0 s (inbound.yml 5.0 s + outbound.yml 5.0 s; the whole runs 20.0 s)" in text
    assert "naive no-op, at every N" in text and "naive noop | bench/playbooks/naive.yml" in text


@pytest.mark.parametrize("changes, failed", [
    ({"converge_max": 3}, "(a)"),
    ({"large_noop": 14.0}, "(b)"),
    ({"esa_check": 15.0}, "(c)"),
])
def test_each_check_can_fail(changes, failed):
    data = results(**changes)
    found = verdicts(data)
    assert found[failed] == "FAIL"
    assert all(verdict == "PASS" for name, verdict in found.items() if name != failed)
    assert "| **FAIL** |" in bench.render(data, bench.evaluate(data))


def test_a_noop_or_check_run_with_two_reads_of_one_source_fails():
    data = results()
    data["sizes"]["100"]["collection"]["noop_repeats"][2][0]["esa_reads_max_per_login"] = {"destconfig": 2}
    target = [item for item in bench.evaluate(data) if item[0].startswith("(a)")][0]
    assert target[2] == "FAIL" and "noop runs: max 2 (N=100 inbound.yml, destconfig)" in target[1]


def test_not_measured_without_the_data():
    data = results()
    for entry in data["sizes"].values():
        for phase in ("check", "converge"):
            for item in entry["collection"][phase]:
                item.pop("esa_reads_max_per_login")
                item.pop("plays")
    found = verdicts(data)
    assert found["(a)"] == "NOT MEASURED" and found["(c)"] == "PASS"      # whole runs 20 s: an upper bound < 30 s
    single = copy.deepcopy(results())
    del single["sizes"]["1"]
    assert verdicts(single)["(b)"] == "NOT MEASURED"


def test_play_times():
    lines = [(0.5, "PLAY [Inbound - gateway side (S3-S5)] ****"), (1.0, "TASK [x] ****"), (3.0, "ok: [esa1]"),
             (4.0, "changed: [esa1] => (item=a)"), (6.5, "PLAY [Inbound - tenant side (S2, optional S1)] ***"),
             (7.0, "ok: [tenant1 -> localhost]"), (9.0, "PLAY RECAP ****"), (9.1, "esa1 : ok=2 changed=1")]
    assert bench.play_times(lines, 10.0) == [
        {"name": "Inbound - gateway side (S3-S5)", "seconds": 6.0, "hosts": ["esa1"]},
        {"name": "Inbound - tenant side (S2, optional S1)", "seconds": 2.5, "hosts": ["tenant1"]}]
    assert bench.esa_seconds({"plays": bench.play_times(lines, 10.0)}) == 6.0


def test_naive_noop_runs_at_every_size_by_default():
    args = bench.parse_args(["--sizes", "1,100"])
    assert args.naive_noop_max_size is None and args.sizes == [1, 100]
    assert bench.parse_args(["--naive-noop-max-size", "10"]).naive_noop_max_size == 10
