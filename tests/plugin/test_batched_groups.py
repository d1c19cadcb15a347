"""The suite's xdist scheduler (tests/testkit/batched_groups.py), driven as xdist's controller drives it,
with stand-in workers that record what they are sent: every test is sent exactly once, a group goes
to one worker alone, single tests go in batches that shrink as the queue empties, and the run is
finished only when every worker has run what it was sent."""

from types import SimpleNamespace

from testkit.batched_groups import LOW_WATER, BatchedGroupScheduling


class StandInWorker:
    def __init__(self, name, log):
        self.name, self.batches, self.shutting_down, self.log = name, [], False, log
        self.gateway = SimpleNamespace(id=name)

    def send_runtest_some(self, indexes):
        self.batches.append(list(indexes))
        self.log.append(list(indexes))  # every worker's batches, in the order they were sent

    def shutdown(self):
        self.shutting_down = True


def _config(workers=2):
    option = SimpleNamespace(loadscopereorder=True)
    return SimpleNamespace(option=option, getvalue=lambda name: [f"{workers}*popen"] if name == "tx" else None)


# 6 tests of one group (ids as the workers report them: the group after '@'), then 100 single tests
COLLECTION = [f"tests/test_g.py::test_member[{n}]@together" for n in range(6)] + [f"tests/test_s.py::test_single[{n}]" for n in range(100)]


def _scheduled(workers=2):
    scheduler = BatchedGroupScheduling(_config(workers))
    log = []
    nodes = [StandInWorker(f"gw{n}", log) for n in range(workers)]
    for node in nodes:
        scheduler.add_node(node)
        scheduler.add_node_collection(node, COLLECTION)
    scheduler.schedule()
    return scheduler, nodes


def _run_everything(scheduler, nodes):
    """Finish tests as the workers would, the first worker always first; return (worker, batch) in order sent."""
    done = {node: 0 for node in nodes}  # how many of its tests each worker has finished
    while not scheduler.tests_finished:
        node = next(node for node in nodes if done[node] < sum(map(len, node.batches)))
        index = [i for batch in node.batches for i in batch][done[node]]
        done[node] += 1
        scheduler.mark_test_complete(node, index)
    return done


def test_the_group_goes_to_one_worker_alone_and_single_tests_in_batches():
    scheduler, (first, second) = _scheduled()
    assert first.batches[0] == list(range(6))  # the group, alone, first (the queue is ordered by size)
    assert len(second.batches[0]) == (100 // (4 * 2))  # a quarter of an even share of what is left
    assert scheduler.has_pending and not scheduler.tests_finished


def test_every_test_is_sent_exactly_once_and_the_run_finishes():
    scheduler, nodes = _scheduled()
    done = _run_everything(scheduler, nodes)
    sent = sorted(i for node in nodes for batch in node.batches for i in batch)
    assert sent == list(range(len(COLLECTION)))
    assert sum(done.values()) >= len(COLLECTION) - LOW_WATER * len(nodes)  # the rest run as the workers shut down
    assert all(node.shutting_down for node in nodes)
    group_workers = {node.name for node in nodes for batch in node.batches for i in batch if i < 6}
    assert len(group_workers) == 1


def test_batches_shrink_and_far_fewer_messages_go_out_than_tests():
    scheduler, nodes = _scheduled()
    _run_everything(scheduler, nodes)
    singles = [len(batch) for batch in nodes[0].log if batch and batch[0] >= 6]
    assert len(singles) < len(COLLECTION) / 3  # xdist's loadgroup sends one message per test
    assert singles == sorted(singles, reverse=True) and singles[0] > 1 and singles[-1] == 1


def test_a_worker_that_crashes_hands_back_what_it_had_not_run_but_the_test_it_crashed_in():
    """xdist hands a crashed worker's units back whole, finished ones included; its own loadgroup then
    sent them as empty batches and the run never ended. Here: the crashed test is reported by xdist,
    never run again, nothing finished is sent twice, and the run ends."""
    scheduler, (first, second) = _scheduled()
    scheduler.mark_test_complete(second, second.batches[0][0])  # the second worker ran one test...
    crashed_at = scheduler.remove_node(second)  # ...and died in the next
    assert crashed_at == COLLECTION[second.batches[0][1]]
    finished_by_second = {second.batches[0][0], second.batches[0][1]}
    first.log.clear()
    _run_everything(scheduler, [first])
    sent_after = [i for batch in first.log for i in batch]
    assert sent_after and all(batch for batch in first.log)  # no empty batch
    assert not finished_by_second & set(sent_after)  # neither the finished test nor the crashed one again
    assert sorted(set(second.batches[0]) - finished_by_second) == sorted(set(sent_after) & set(second.batches[0]))
    assert scheduler.tests_finished and first.shutting_down


def test_conftest_picks_it_for_loadgroup_only(pytestconfig):
    (conftest,) = [p for p in pytestconfig.pluginmanager.get_plugins() if getattr(p, "__file__", "").endswith("/conftest.py") and hasattr(p, "pytest_xdist_make_scheduler")]
    for dist, expected in [("loadgroup", BatchedGroupScheduling), ("load", type(None)), ("loadfile", type(None))]:
        config = _config()
        config.getvalue = lambda name, dist=dist: dist if name == "dist" else ["2*popen"]
        assert type(conftest.pytest_xdist_make_scheduler(config, None)) is expected
