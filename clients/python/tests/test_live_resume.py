"""follow_logs resumes after dropped connections: a TCP proxy between client and scheduler cuts
every connection while a task prints numbered lines; every line arrives once, in order."""
import threading
import time
import unittest

import grpc

from live import ADDR, IMAGE, RUN, STDOUT, require_scheduler, sh, text, within
from tcp_proxy import TcpProxy
from trainyard_client import Client, ResumePolicy, TaskState, UnavailableError

FAST = ResumePolicy(initial_backoff=0.05, max_backoff=0.5, give_up_after=20)


def setUpModule():
    require_scheduler()


class ResumeTest(unittest.TestCase):
    def setUp(self):
        host, port = ADDR.rsplit(":", 1)
        self.proxy = TcpProxy((host.replace("http://", ""), int(port)))
        self.addCleanup(self.proxy.close)
        self.direct = Client(ADDR)
        self.addCleanup(self.direct.close)
        self.via_proxy = Client(self.proxy.addr, resume=FAST)
        self.addCleanup(self.via_proxy.close)

    def submit(self, script):
        return self.direct.submit(IMAGE, command=sh(script), retries=0, labels={"run": RUN, "kind": "resume"})

    def test_every_line_arrives_once_in_order_across_repeated_cuts(self):
        n = 200
        task = self.submit(f'for i in $(seq 1 {n}); do echo "line $i"; sleep 0.03; done')
        frames = []
        done = threading.Event()
        cuts = []  # frames received at each cut that closed a live stream

        def cutter():
            # Cut only once frames have flowed since the last cut: every cut lands mid-stream.
            seen = 0
            while len(cuts) < 5 and not done.is_set():
                time.sleep(0.3)
                if len(frames) > seen and self.proxy.cut() > 0:
                    seen = len(frames)
                    cuts.append(seen)

        threading.Thread(target=cutter, daemon=True).start()

        def follow():
            try:
                for f in self.via_proxy.follow_logs(task.id):
                    frames.append(f)
            finally:
                done.set()

        within(90, follow)
        expected = "".join(f"line {i}\n" for i in range(1, n + 1))
        self.assertEqual(text(frames, STDOUT), expected)
        seqs = [f.seq for f in frames]
        self.assertEqual(seqs, sorted(set(seqs)), "no frame twice, in order")
        # The cuts hit live streams, and the client reconnected after each.
        self.assertGreaterEqual(len(cuts), 3, cuts)
        self.assertGreater(self.proxy.accepted, len(cuts))
        self.assertEqual([f.seq for f in self.direct.follow_logs(task.id, follow=False)], seqs)
        self.assertEqual(self.direct.get(task.id).state, TaskState.TASK_STATE_SUCCEEDED)

    def test_waits_out_a_scheduler_that_is_unreachable_for_a_while(self):
        n = 60
        task = self.submit(f'for i in $(seq 1 {n}); do echo "line $i"; sleep 0.05; done')
        frames = []
        got_some = threading.Event()

        def outage():
            got_some.wait(60)
            self.proxy.refuse(True)
            self.proxy.cut()
            time.sleep(1.5)
            self.proxy.refuse(False)

        threading.Thread(target=outage, daemon=True).start()

        def follow():
            for f in self.via_proxy.follow_logs(task.id):
                frames.append(f)
                got_some.set()

        within(90, follow)
        self.assertEqual(text(frames, STDOUT), "".join(f"line {i}\n" for i in range(1, n + 1)))

    def test_gives_up_with_unavailable_when_the_scheduler_stays_unreachable(self):
        task = self.submit("sleep 2; echo late")
        self.proxy.refuse(True)
        c = Client(self.proxy.addr, resume=ResumePolicy(initial_backoff=0.05, max_backoff=0.2, give_up_after=1.5))
        self.addCleanup(c.close)
        t0 = time.monotonic()
        with self.assertRaises(UnavailableError) as e:
            within(20, lambda: list(c.follow_logs(task.id)))
        took = time.monotonic() - t0
        self.assertEqual(e.exception.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertGreaterEqual(took, 1.4)
        self.assertLess(took, 8)
        self.direct.wait(task.id, timeout=60)

    def test_close_ends_a_follow_that_waits_to_reconnect(self):
        task = self.submit("sleep 2")
        self.proxy.refuse(True)
        c = Client(self.proxy.addr, resume=ResumePolicy(initial_backoff=5, max_backoff=5, give_up_after=60))
        threading.Timer(0.5, c.close).start()
        t0 = time.monotonic()
        with self.assertRaises(grpc.RpcError) as e:
            within(20, lambda: list(c.follow_logs(task.id)))
        self.assertEqual(e.exception.code(), grpc.StatusCode.CANCELLED)
        self.assertLess(time.monotonic() - t0, 4)
        self.direct.wait(task.id, timeout=60)


if __name__ == "__main__":
    unittest.main()
