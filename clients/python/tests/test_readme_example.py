"""The client README's example (clients/python/README.md, "## Example") runs as written against the live scheduler."""
import contextlib
import io
import os
import re
import unittest

from live import require_scheduler

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md")


def setUpModule():
    require_scheduler()


class ReadmeExampleTest(unittest.TestCase):
    def test_the_example_submits_follows_and_prints_the_outcome(self):
        with open(README, encoding="utf-8") as f:
            readme = f.read()
        section = readme.split("\n## Example\n", 1)[1]
        example = re.search(r"```python\n(.*?)```", section, re.S).group(1)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(example, "clients/python/README.md example", "exec"), {})
        self.assertEqual(out.getvalue(), "step 1\nstep 2\nstep 3\nLOG_STREAM_STDERR oops\n"
                         "LOG_STREAM_SYSTEM exited with code 0\nTASK_STATE_SUCCEEDED 0\n")


if __name__ == "__main__":
    unittest.main()
