"""The committed generated code is what generate.sh makes from proto/ today: a proto change
without `clients/python/generate.sh` fails here."""
import os
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.dirname(HERE)
COMMITTED = os.path.join(CLIENT, "src", "trainyard_client", "_gen")


def tree(root: str) -> dict:
    """Relative path -> bytes of every file under root, ignoring __pycache__."""
    out = {}
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x != "__pycache__"]
        for f in files:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


class GeneratedCodeTest(unittest.TestCase):
    def test_committed_generated_code_matches_the_protos(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run(
                ["bash", os.path.join(CLIENT, "generate.sh"), tmp], capture_output=True, text=True
            )
            self.assertEqual(r.returncode, 0, f"generate.sh failed:\n{r.stdout}{r.stderr}")
            fresh, committed = tree(tmp), tree(COMMITTED)
        self.assertEqual(
            sorted(fresh), sorted(committed), "generated files differ; run clients/python/generate.sh"
        )
        stale = [p for p in fresh if fresh[p] != committed[p]]
        self.assertEqual(stale, [], "generated code is stale; run clients/python/generate.sh")

    def test_only_trainyard_v1_is_generated_with_package_relative_imports(self):
        files = tree(COMMITTED)
        self.assertTrue(all(p.startswith(("trainyard/v1/", "__init__", "trainyard/__init__")) for p in files), files)
        for p, data in files.items():
            self.assertNotIn(b"from trainyard.v1 import", data, p)
        self.assertIn("trainyard/v1/scheduler_pb2_grpc.py", files)


if __name__ == "__main__":
    unittest.main()
