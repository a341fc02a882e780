"""The client against a live scheduler and agent: submit, logs, get, list, cancel, watch, errors."""
import datetime
import os
import tempfile
import time
import unittest

import grpc

from live import IMAGE, RUN, STDERR, STDOUT, SYSTEM, require_scheduler, sh, text, within
from trainyard_client import (
    Client,
    FailureReason,
    InvalidArgumentError,
    NodeState,
    NotFoundError,
    TaskState,
    TrainyardError,
)

PENDING = TaskState.TASK_STATE_PENDING
RUNNING = TaskState.TASK_STATE_RUNNING
SUCCEEDED = TaskState.TASK_STATE_SUCCEEDED
FAILED = TaskState.TASK_STATE_FAILED
CANCELLED = TaskState.TASK_STATE_CANCELLED
ORDER = [PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED]


def setUpModule():
    require_scheduler()


class LiveTest(unittest.TestCase):
    def setUp(self):
        self.c = Client()  # TRAINYARD_ADDR
        self.addCleanup(self.c.close)

    def submit(self, script, **kw):
        kw.setdefault("retries", 0)
        labels = {"run": RUN, **kw.pop("labels", {})}
        return self.c.submit(IMAGE, command=sh(script), labels=labels, **kw)

    def wait_running(self, task_id):
        for t in self.c.watch(task_id, timeout=60):
            if t.state == RUNNING:
                return t
            self.assertNotIn(t.state, (SUCCEEDED, FAILED, CANCELLED), t.message)
        self.fail("watch ended")


class SubmitAndFollowTest(LiveTest):
    def test_follows_stdout_and_stderr_each_line_once_then_the_task_succeeds(self):
        n = 50
        task = self.submit(
            f'for i in $(seq 1 {n}); do echo "out $i"; echo "err $i" >&2; done; echo "$GREETING"',
            env={"GREETING": "hello from env"},
        )
        self.assertTrue(task.id)
        self.assertEqual(task.state, PENDING)
        self.assertEqual(task.spec.image, IMAGE)
        self.assertEqual(task.spec.retry.max_retries, 0)

        frames = within(60, lambda: list(self.c.follow_logs(task.id)))
        seqs = [f.seq for f in frames]
        self.assertEqual(seqs, sorted(set(seqs)), "seq strictly increasing")
        self.assertTrue(all(f.attempt == 1 and f.HasField("time") for f in frames))
        out = "".join(f"out {i}\n" for i in range(1, n + 1)) + "hello from env\n"
        err = "".join(f"err {i}\n" for i in range(1, n + 1))
        self.assertEqual(text(frames, STDOUT), out)
        self.assertEqual(text(frames, STDERR), err)
        self.assertIn("exited with code 0", text(frames, SYSTEM))

        done = self.c.get(task.id)
        self.assertEqual(TaskState.Name(done.state), "TASK_STATE_SUCCEEDED")
        self.assertEqual(done.exit_code, 0)
        self.assertEqual(len(done.attempts), 1)
        # A replay of the finished task gives the same frames.
        self.assertEqual([f.seq for f in self.c.follow_logs(task.id, follow=False)], seqs)
        self.assertEqual([f.seq for f in self.c.follow_logs(task.id, after_seq=seqs[0])], seqs[1:])
        # Filtered by attempt and by time.
        self.assertEqual([f.seq for f in self.c.follow_logs(task.id, attempt=1)], seqs)
        self.assertEqual(list(self.c.follow_logs(task.id, attempt=2)), [])
        last = frames[-1]
        since = last.time.seconds  # a whole second: exact as a float
        self.assertEqual([f.seq for f in self.c.follow_logs(task.id, since=since)], [f.seq for f in frames if f.time.ToNanoseconds() >= since * 10**9])
        self.assertEqual(list(self.c.follow_logs(task.id, since=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))), [])

    def test_an_array_and_a_task_that_depends_on_all_of_it(self):
        arr = self.c.submit_array(
            IMAGE, command=sh('echo "$TRAINYARD_ARRAY_INDEX lr=$LR"'), labels={"run": RUN}, retries=0,
            elements=[{"LR": "0.1"}, {"LR": "0.01"}], max_parallel=1,
        )
        self.assertTrue(arr.array_id.startswith("a-"))
        self.assertEqual([t.array_index for t in arr.tasks], [0, 1])
        after = self.submit("echo evaluated", depends_on=[t.id for t in arr.tasks])
        self.assertEqual(self.c.wait(after.id, timeout=60).state, SUCCEEDED)
        self.assertEqual([text(list(self.c.follow_logs(t.id)), STDOUT) for t in arr.tasks], ["0 lr=0.1\n", "1 lr=0.01\n"])
        self.assertEqual(sorted(t.id for t in self.c.list(array_id=arr.array_id)), sorted(t.id for t in arr.tasks))
        self.assertEqual([t.state for t in self.c.cancel_array(arr.array_id)], [SUCCEEDED, SUCCEEDED])

    def test_a_checkpointed_retry_resumes_and_the_save_downloads(self):
        script = 'mkdir -p /c; n=$(cat /c/n 2>/dev/null || echo 0); echo "from $n"; echo $((n+1)) > /c/n; [ "$TRAINYARD_ATTEMPT" -ge 2 ]'
        task = self.submit(script, retries=1, retry_delay=0, checkpoint="/c", checkpoint_interval=1)
        done = self.c.wait(task.id, timeout=60)
        self.assertEqual(done.state, SUCCEEDED, done.message)
        self.assertEqual(text(list(self.c.follow_logs(task.id)), STDOUT), "from 0\nfrom 1\n")
        self.assertEqual(done.last_checkpoint.attempt, 2)
        with tempfile.TemporaryDirectory() as d:
            where = self.c.save_checkpoint(task.id, d)
            with open(os.path.join(where, "n")) as f:
                self.assertEqual(f.read(), "2\n")

    def test_a_failing_command_ends_failed_with_its_exit_code(self):
        task = self.submit("echo bye; exit 3")
        done = self.c.wait(task.id, timeout=60)
        self.assertEqual(done.state, FAILED)
        self.assertEqual(done.exit_code, 3)
        self.assertEqual(done.failure_reason, FailureReason.FAILURE_REASON_EXIT_CODE)
        self.assertEqual(text(list(self.c.follow_logs(task.id)), STDOUT), "bye\n")

    def test_the_same_idempotency_key_returns_the_first_task(self):
        key = f"py-{RUN}-once"
        a = self.submit("true", idempotency_key=key)
        b = self.submit("echo other", idempotency_key=key)
        self.assertEqual(a.id, b.id)
        self.c.wait(a.id, timeout=60)


class GetListCancelTest(LiveTest):
    def test_get_list_and_cancel_a_sleeping_task(self):
        sleeper = self.submit("sleep 300", labels={"kind": "sleeper"}, stop_grace_period=1)
        self.wait_running(sleeper.id)
        got = self.c.get(sleeper.id)
        self.assertEqual((got.id, got.state), (sleeper.id, RUNNING))
        self.assertEqual(got.attempts[0].number, 1)
        self.assertTrue(got.attempts[0].node_id)

        self.assertEqual([t.id for t in self.c.list(labels={"run": RUN, "kind": "sleeper"})], [sleeper.id])
        self.assertIn(sleeper.id, [t.id for t in self.c.list(states=["RUNNING"], labels={"run": RUN})])
        self.assertNotIn(sleeper.id, [t.id for t in self.c.list(states=[PENDING, SUCCEEDED], labels={"run": RUN})])

        cancelling = self.c.cancel(sleeper.id, reason="test is done with it")
        self.assertIn(cancelling.state, (RUNNING, CANCELLED))
        done = self.c.wait(sleeper.id, timeout=60)
        self.assertEqual(done.state, CANCELLED)
        self.assertEqual(done.failure_reason, FailureReason.FAILURE_REASON_CANCELLED)
        # Cancelling a finished task returns it unchanged.
        self.assertEqual(self.c.cancel(sleeper.id).state, CANCELLED)
        self.assertIn("cancelled", [e.type for e in self.c.events(sleeper.id)])

    def test_list_iterates_every_page(self):
        # Pool nobody serves: the tasks stay PENDING until cancelled.
        held = [self.submit("true", pool=f"py-held-{RUN}", labels={"kind": "paged"}) for _ in range(3)]
        self.addCleanup(lambda: [self.c.cancel(t.id) for t in held])
        listed = [t.id for t in self.c.list(labels={"run": RUN, "kind": "paged"}, page_size=1)]
        # Every page; newest first (ids sort by creation time).
        self.assertEqual(listed, sorted((t.id for t in held), reverse=True))
        for t in held:
            self.assertEqual(self.c.cancel(t.id).state, CANCELLED)
        self.assertEqual(len(list(self.c.list(states=["CANCELLED"], labels={"run": RUN, "kind": "paged"}))), 3)


class WatchTest(LiveTest):
    def test_watch_shows_the_task_move_through_its_states(self):
        task = self.submit("sleep 1; echo done")
        states = []
        for t in self.c.watch(task.id, timeout=60):
            self.assertEqual(t.id, task.id)
            if not states or states[-1] != t.state:
                states.append(t.state)
            if t.state in (SUCCEEDED, FAILED, CANCELLED):
                break
        self.assertEqual(states[-1], SUCCEEDED, [TaskState.Name(s) for s in states])
        self.assertGreater(len(states), 1, "a change was seen")
        self.assertEqual(states, sorted(states, key=ORDER.index), "states in lifecycle order")

    def test_watch_of_every_task_sees_a_cancel(self):
        seen = []

        def watch_all():
            for t in self.c.watch(timeout=60):
                if t.id == held.id:
                    seen.append(t.state)
                    if t.state == CANCELLED:
                        return

        held = self.submit("true", pool=f"py-held-{RUN}")
        watching = __import__("threading").Thread(target=watch_all, daemon=True)
        watching.start()
        time.sleep(0.5)
        self.c.cancel(held.id)
        watching.join(30)
        self.assertEqual(seen[-1:], [CANCELLED], seen)

    def test_a_watch_past_its_timeout_raises_deadline_exceeded(self):
        held = self.submit("true", pool=f"py-held-{RUN}")
        self.addCleanup(self.c.cancel, held.id)
        with self.assertRaises(TrainyardError) as e:
            for _ in self.c.watch(held.id, timeout=0.5):
                pass
        self.assertEqual(e.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)


class NodesTest(LiveTest):
    def test_nodes_lists_the_agent_and_drain_with_undo_round_trips(self):
        nodes = self.c.nodes()
        self.assertGreaterEqual(len(nodes), 1)
        node = nodes[0]
        self.assertEqual(node.state, NodeState.NODE_STATE_READY)
        self.assertGreaterEqual(node.slots, 1)
        drained = self.c.drain(node.id, deadline=600)
        self.addCleanup(self.c.drain, node.id, undo=True)
        self.assertEqual(drained.state, NodeState.NODE_STATE_DRAINING)
        self.assertEqual(self.c.drain(node.id, undo=True).state, NodeState.NODE_STATE_READY)
        with self.assertRaises(NotFoundError):
            self.c.drain("no-such-node")


class ErrorsTest(LiveTest):
    def test_a_bad_spec_is_invalid_argument_naming_the_field(self):
        with self.assertRaises(InvalidArgumentError) as e:
            self.c.submit("", command=["true"], labels={"run": RUN, "kind": "bad"})
        self.assertIsInstance(e.exception, grpc.RpcError)
        self.assertEqual(e.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("spec.image", e.exception.details())
        with self.assertRaises(InvalidArgumentError) as e:
            self.c.submit(IMAGE, command=["true"], cpus=-1, labels={"run": RUN, "kind": "bad"})
        self.assertIn("spec.resources.cpus", e.exception.details())
        self.assertEqual(list(self.c.list(labels={"run": RUN, "kind": "bad"})), [], "nothing stored")

    def test_an_unknown_task_is_not_found_everywhere_and_never_retried(self):
        unknown = "t-0000000000000000000000"
        for call in (self.c.get, self.c.cancel, self.c.events):
            with self.assertRaises(NotFoundError, msg=call.__name__) as e:
                call(unknown)
            self.assertEqual(e.exception.code(), grpc.StatusCode.NOT_FOUND)
        t0 = time.monotonic()
        with self.assertRaises(NotFoundError):
            list(self.c.follow_logs(unknown))
        self.assertLess(time.monotonic() - t0, 2, "NOT_FOUND raised at once, not retried")

    def test_a_follow_without_a_task_id_is_invalid_argument_naming_the_field(self):
        with self.assertRaises(InvalidArgumentError) as e:
            list(self.c.follow_logs(""))
        self.assertIn("task_id", e.exception.details())


if __name__ == "__main__":
    unittest.main()
