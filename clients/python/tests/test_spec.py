"""Spec building, target resolution and state names (pure, no server)."""
import datetime
import unittest

from trainyard_client import NetworkMode, RetryPolicy, TaskState, build_spec, state_value
from trainyard_client.target import resolve_target, target_and_tls


class BuildSpecTest(unittest.TestCase):
    def test_maps_every_keyword_to_its_field(self):
        s = build_spec(
            "img:1",
            command=["sh", "-c", "echo hi"],
            env={"A": "1"},
            cpus=0.5,
            memory_bytes=64 << 20,
            gpus=1,
            timeout=1.5,
            retries=0,
            retry_delay=datetime.timedelta(milliseconds=250),
            labels={"team": "ml"},
            pool="gpu",
            stop_grace_period=datetime.timedelta(seconds=2),
        )
        self.assertEqual(s.image, "img:1")
        self.assertEqual(list(s.command), ["sh", "-c", "echo hi"])
        self.assertEqual(dict(s.env), {"A": "1"})
        self.assertEqual((s.resources.cpus, s.resources.memory_bytes, s.resources.gpus), (0.5, 64 << 20, 1))
        self.assertEqual((s.timeout.seconds, s.timeout.nanos), (1, 500_000_000))
        self.assertTrue(s.retry.HasField("max_retries"))
        self.assertEqual(s.retry.max_retries, 0)
        self.assertEqual(s.retry.delay.ToMilliseconds(), 250)
        self.assertEqual(dict(s.labels), {"team": "ml"})
        self.assertEqual(s.pool, "gpu")
        self.assertEqual(s.stop_grace_period.seconds, 2)

    def test_placement_fields(self):
        s = build_spec("img", priority=90, preemptible=True, node_labels={"zone": "a"}, network="host")
        self.assertEqual((s.priority, s.preemptible, dict(s.node_labels)), (90, True, {"zone": "a"}))
        self.assertEqual(s.network, NetworkMode.NETWORK_MODE_HOST)
        with self.assertRaisesRegex(ValueError, "network"):
            build_spec("img", network="wifi")

    def test_dependencies(self):
        s = build_spec("img", depends_on=["t-a", ("t-b", "finished"), ("t-c", "failed")])
        self.assertEqual([(d.task_id, d.condition) for d in s.depends_on], [("t-a", 1), ("t-b", 2), ("t-c", 3)])
        with self.assertRaisesRegex(ValueError, "depends_on"):
            build_spec("img", depends_on=[("t-a", "maybe")])

    def test_checkpoint_and_its_interval(self):
        s = build_spec("img", checkpoint="/ckpt", checkpoint_interval=30)
        self.assertEqual((s.checkpoint.path, s.checkpoint.interval.seconds), ("/ckpt", 30))
        s = build_spec("img", checkpoint="/ckpt", checkpoint_interval=1.5)
        self.assertEqual((s.checkpoint.interval.seconds, s.checkpoint.interval.nanos), (1, 500_000_000))
        s = build_spec("img", checkpoint="/ckpt")
        self.assertFalse(s.checkpoint.HasField("interval"))
        self.assertFalse(build_spec("img").HasField("checkpoint"))
        with self.assertRaisesRegex(ValueError, "checkpoint_interval"):
            build_spec("img", checkpoint_interval=30)

    def test_leaves_unset_what_was_not_given(self):
        s = build_spec("img")
        self.assertFalse(s.HasField("timeout"))
        self.assertFalse(s.HasField("retry"))
        self.assertFalse(s.HasField("resources"))
        self.assertEqual(s.pool, "")

    def test_retries_override_a_given_policy(self):
        s = build_spec("img", retry=RetryPolicy(max_retries=5, backoff_multiplier=2), retries=1)
        self.assertEqual((s.retry.max_retries, s.retry.backoff_multiplier), (1, 2))

    def test_refuses_a_command_string_and_bad_durations(self):
        with self.assertRaisesRegex(TypeError, "command"):
            build_spec("img", command="echo hi")
        with self.assertRaisesRegex(TypeError, "timeout"):
            build_spec("img", timeout="10s")


class TargetTest(unittest.TestCase):
    def test_explicit_then_env_then_default(self):
        self.assertEqual(resolve_target("h:1", {"TRAINYARD_ADDR": "e:2"}), "h:1")
        self.assertEqual(resolve_target(None, {"TRAINYARD_ADDR": "e:2"}), "e:2")
        self.assertEqual(resolve_target(None, {}), "127.0.0.1:50051")

    def test_accepts_http_and_https_urls(self):
        self.assertEqual(resolve_target("http://127.0.0.1:5/", {}), "127.0.0.1:5")
        self.assertEqual(target_and_tls("https://x:1", {}), ("x:1", True))
        self.assertEqual(target_and_tls("x:1", {}), ("x:1", False))


class StateValueTest(unittest.TestCase):
    def test_names_and_numbers(self):
        self.assertEqual(state_value("running"), TaskState.TASK_STATE_RUNNING)
        self.assertEqual(state_value("TASK_STATE_FAILED"), TaskState.TASK_STATE_FAILED)
        self.assertEqual(state_value(TaskState.TASK_STATE_PENDING), 1)
        with self.assertRaisesRegex(ValueError, "states"):
            state_value("sleeping")


if __name__ == "__main__":
    unittest.main()
