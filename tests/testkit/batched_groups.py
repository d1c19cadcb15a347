"""The suite's xdist scheduler: `loadgroup`, its work sent in batches (conftest.py chooses it for `-n`).

xdist's `loadgroup` keeps the tests of one `xdist_group` on one worker (their module-scoped fixture is
expensive: built once, not once per worker), but it sends every other test alone: one message to a
worker per test, a scheduling pass over everything already assigned after each test (quadratic in the
suite's size), and a worker that waits for each next test. At 2,500 tests that was 5 s of the
controller's CPU and as many wake-ups of the workers. Here the units are the same (a group, or one
test), and a worker that is about to run dry gets either the next group alone (groups come first,
one at a time, so both workers get their share of the expensive ones; a test that takes seconds has
a group of its own, so it starts early, not last) or a batch of single tests: a
quarter of its even share of what is left, as xdist's own `load` scheduler sends them. The batches
shrink as the queue empties, so both workers still finish close together. The bookkeeping is counts,
kept as tests finish."""

from __future__ import annotations

from xdist.scheduler import LoadGroupScheduling

LOW_WATER = 2  # a worker holding this many tests or fewer gets more (xdist's own threshold)
SHARE = 4  # a batch is 1/SHARE of a worker's even share of the units left


class BatchedGroupScheduling(LoadGroupScheduling):
    """`loadgroup`, sending several units at a time, with pending tests counted instead of recounted."""

    def __init__(self, config, log=None):
        super().__init__(config, log)
        self.pending = {}  # worker -> tests sent to it and not finished
        self.positions = {}  # worker -> {test id: its index in that worker's collection}

    def add_node_collection(self, node, collection):
        super().add_node_collection(node, collection)
        self.positions[node] = {nodeid: index for index, nodeid in enumerate(collection)}

    def mark_test_complete(self, node, item_index, duration=0):
        nodeid = self.registered_collections[node][item_index]
        self.assigned_work[node][self._split_scope(nodeid)][nodeid] = True
        self.pending[node] -= 1
        self._reschedule(node)

    @property
    def tests_finished(self):
        if not self.collection_is_completed or self.workqueue:
            return False
        return all(self.pending.get(node, 0) < LOW_WATER for node in self.assigned_work)

    @property
    def has_pending(self):
        return bool(self.workqueue) or any(self.pending.get(node, 0) > 0 for node in self.assigned_work)

    def remove_node(self, node):
        """A worker gone: at shutdown, nothing to do; after a crash, its unfinished tests go back to the
        queue, all but the one it crashed in (xdist reports that one as failed). Sent again, that test
        would crash the next worker too, and the run would never end (xdist's own loadgroup hangs so)."""
        self.pending.pop(node, None)
        crashed = super().remove_node(node)
        if crashed is not None:
            for work_unit in self.workqueue.values():
                if crashed in work_unit:
                    work_unit[crashed] = True
        return crashed

    def _reschedule(self, node):
        if node.shutting_down:
            return
        if not self.workqueue:
            node.shutdown()
            return
        if self.pending.get(node, 0) > LOW_WATER:
            return
        self._assign_work_unit(node)

    def _assign_work_unit(self, node):
        """Send the node a group alone, or a batch of single tests from the front of the queue.

        Groups come first (xdist orders the queue by size) and one at a time, so that both workers
        get their share of the expensive fixtures; then batches of single tests. A unit with nothing
        left to run (a crashed worker's finished units come back whole) is dropped, never sent: an
        empty batch would leave the worker waiting for work that never comes."""
        batch = max(1, len(self.workqueue) // (SHARE * len(self.nodes)))
        assigned, positions, indexes = self.assigned_work.setdefault(node, {}), self.positions[node], []
        while self.workqueue and batch > 0:
            scope, work_unit = next(iter(self.workqueue.items()))
            todo = [positions[nodeid] for nodeid, done in work_unit.items() if not done]
            group = "::" not in scope  # a group's scope is its name; a single test's, its id
            if todo and group and indexes:
                break  # a group goes alone, in the next batch
            del self.workqueue[scope]
            if not todo:
                continue
            assigned[scope] = work_unit
            indexes.extend(todo)
            batch = 0 if group else batch - 1
        if not indexes:  # only finished units were left
            node.shutdown()
            return
        self.pending[node] = self.pending.get(node, 0) + len(indexes)
        node.send_runtest_some(indexes)
