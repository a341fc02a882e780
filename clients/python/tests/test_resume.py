"""The resume policy of follow_logs as a pure function of (events, time, randomness)."""
import unittest

import grpc

from trainyard_client.resume import ResumePolicy, Resumer

UNAVAILABLE = grpc.StatusCode.UNAVAILABLE
POLICY = ResumePolicy(initial_backoff=0.1, max_backoff=2.0, multiplier=2.0, give_up_after=10.0)


class ResumerTest(unittest.TestCase):
    def test_delivers_each_seq_once_and_resumes_after_the_last_one(self):
        r = Resumer(POLICY, after_seq=5, now=0)
        self.assertFalse(r.accept(5, now=1))
        self.assertTrue(r.accept(7, now=1))
        self.assertFalse(r.accept(6, now=1))
        self.assertFalse(r.accept(7, now=1))
        self.assertTrue(r.accept(9, now=1))
        self.assertEqual(r.after_seq, 9)

    def test_backoff_doubles_up_to_the_cap_with_half_to_full_jitter(self):
        r = Resumer(POLICY, 0, now=0)
        delays = []
        for _ in range(7):
            r.opened(now=0)
            delays.append(r.failed(UNAVAILABLE, now=0, rand=0.999999))
        self.assertEqual([round(d, 3) for d in delays], [0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0])
        r2 = Resumer(POLICY, 0, now=0)
        self.assertAlmostEqual(r2.failed(UNAVAILABLE, now=0, rand=0.0), 0.05, places=5)
        self.assertEqual(r.reconnects, 7)

    def test_a_frame_resets_the_backoff(self):
        r = Resumer(POLICY, 0, now=0)
        for _ in range(4):
            r.failed(UNAVAILABLE, now=0.5, rand=0.999999)
        r.accept(1, now=1)
        self.assertAlmostEqual(r.failed(UNAVAILABLE, now=1, rand=0.999999), 0.1, places=5)

    def test_gives_up_after_give_up_after_seconds_without_progress(self):
        r = Resumer(POLICY, 0, now=100)
        r.opened(now=100)
        self.assertIsNotNone(r.failed(UNAVAILABLE, now=101, rand=0.5))
        # The last delay is cut to what is left of the budget.
        r.opened(now=109.8)
        self.assertAlmostEqual(r.failed(UNAVAILABLE, now=109.9, rand=0.999999), 0.1, places=5)
        r.opened(now=109.95)
        self.assertIsNone(r.failed(UNAVAILABLE, now=110, rand=0.5))

    def test_frames_extend_the_budget(self):
        r = Resumer(POLICY, 0, now=0)
        r.accept(1, now=9)
        r.opened(now=9)
        self.assertIsNotNone(r.failed(UNAVAILABLE, now=15, rand=0.5))

    def test_a_call_that_stayed_open_counts_as_progress(self):
        # A silent task behind a proxy that cuts idle connections is followed indefinitely.
        r = Resumer(POLICY, 0, now=0)
        for t in (0, 30, 60, 90):
            r.opened(now=t)
            self.assertAlmostEqual(r.failed(UNAVAILABLE, now=t + 25, rand=0.999999), 0.1, places=5)

    def test_other_codes_are_not_retried(self):
        for code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.CANCELLED, None):
            self.assertIsNone(Resumer(POLICY, 0, now=0).failed(code, now=0, rand=0.5), code)


if __name__ == "__main__":
    unittest.main()
