"""Checkpoints without a cluster: unpacking (all or nothing, unsafe members refused, with tarfile's
"data" filter and with the checks for Pythons without one), and Client.download_checkpoint /
save_checkpoint against an in-process gRPC server whose DownloadCheckpoint serves archives built
here, or fails as the scheduler does (NOT_FOUND, ABORTED, DATA_LOSS)."""
import io
import os
import tarfile
import tempfile
import threading
import unittest
from concurrent import futures
from typing import Callable, Iterator, List, Optional

import grpc

from trainyard_client import AbortedError, Client, DataLossError, NotFoundError
from trainyard_client import checkpoint as ckpt
from trainyard_client._gen.trainyard.v1 import scheduler_pb2, scheduler_pb2_grpc


def member(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, linkname: str = "", mode: int = 0o644) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname, info.mode = kind, len(data), linkname, mode
    return info


def archive(*members: "tuple[tarfile.TarInfo, bytes]") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data else None)
    return out.getvalue()


def pieces(data: bytes, size: int = 700, then: Optional[Exception] = None) -> Iterator[bytes]:
    for at in range(0, len(data), size):
        yield data[at : at + size]
    if then is not None:
        raise then


V1 = archive(
    (member("ckpt", kind=tarfile.DIRTYPE, mode=0o755), b""),
    (member("ckpt/step", b"100\n"), b"100\n"),
    (member("ckpt/model", kind=tarfile.DIRTYPE, mode=0o555), b""),  # read-only: still removable
    (member("ckpt/model/weights.bin", b"w" * 3000, mode=0o4755), b"w" * 3000),
)
V2 = archive((member("ckpt", kind=tarfile.DIRTYPE), b""), (member("ckpt/step", b"200\n"), b"200\n"))


class TempDirTest(unittest.TestCase):
    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name

    def tearDown(self) -> None:
        for d, dirs, _ in os.walk(self.tmp):
            for x in dirs:
                os.chmod(os.path.join(d, x), 0o755)
        self._tmp.cleanup()


class UnpackTest(TempDirTest):
    def test_unpacks_under_the_directory_s_name_creating_the_destination(self):
        dest = os.path.join(self.tmp, "out", "nested")
        self.assertEqual(ckpt.unpack_into(dest, pieces(V1)), [os.path.join(dest, "ckpt")])
        self.assertEqual(os.listdir(dest), ["ckpt"])  # no scratch directory left
        with open(os.path.join(dest, "ckpt", "step"), "rb") as f:
            self.assertEqual(f.read(), b"100\n")
        weights = os.path.join(dest, "ckpt", "model", "weights.bin")
        self.assertEqual(os.path.getsize(weights), 3000)
        self.assertFalse(os.stat(weights).st_mode & 0o4000, "set-user-id bit kept")

    def test_keeps_nothing_when_the_download_fails_after_its_last_piece(self):
        with self.assertRaises(DataLossError):
            ckpt.unpack_into(self.tmp, pieces(V1, then=DataLossError(grpc.StatusCode.DATA_LOSS, "not the save")))
        self.assertEqual(os.listdir(self.tmp), [])

    def test_never_replaces_an_existing_entry(self):
        os.mkdir(os.path.join(self.tmp, "ckpt"))
        with self.assertRaisesRegex(FileExistsError, "ckpt already exists"):
            ckpt.unpack_into(self.tmp, pieces(V1))
        self.assertEqual(os.listdir(self.tmp), ["ckpt"])
        self.assertEqual(os.listdir(os.path.join(self.tmp, "ckpt")), [])

    def test_a_broken_archive_is_a_tar_error_and_leaves_nothing(self):
        with self.assertRaises(tarfile.TarError):
            ckpt.unpack_into(self.tmp, pieces(V1[:1500]))
        self.assertEqual(os.listdir(self.tmp), [])

    def test_nothing_lands_outside_with_and_without_the_data_filter(self):
        outside = os.path.join(self.tmp, "outside")
        unsafe = {
            "dot-dot": [(member("ckpt", kind=tarfile.DIRTYPE), b""), (member("ckpt/../../../outside", b"x"), b"x")],
            "absolute link": [(member("ckpt/link", kind=tarfile.SYMTYPE, linkname=self.tmp), b"")],
            "relative link out": [(member("ckpt/link", kind=tarfile.SYMTYPE, linkname="../../.."), b"")],
            "write through a link": [(member("ckpt", kind=tarfile.SYMTYPE, linkname="../.."), b""), (member("ckpt/outside", b"x"), b"x")],
            "hard link out": [(member("ckpt/hard", kind=tarfile.LNKTYPE, linkname="../outside"), b"")],
            "device": [(member("ckpt/null", kind=tarfile.CHRTYPE), b"")],
        }
        modes = [False] + ([True] if hasattr(tarfile, "data_filter") else [])
        for data_filter in modes:
            for what, members in unsafe.items():
                with self.subTest(what, data_filter=data_filter):
                    dest = os.path.join(self.tmp, f"{what}-{data_filter}", "d")
                    saved, ckpt._DATA_FILTER = ckpt._DATA_FILTER, data_filter
                    try:
                        with self.assertRaises(tarfile.TarError):
                            ckpt.unpack_into(dest, pieces(archive(*members)))
                    finally:
                        ckpt._DATA_FILTER = saved
                    self.assertEqual(os.listdir(dest), [])
                    self.assertEqual(os.listdir(os.path.dirname(dest)), ["d"])
                    self.assertFalse(os.path.lexists(outside))

    def test_an_absolute_member_is_refused_or_kept_inside(self):
        # The checks refuse it; tarfile's "data" filter strips the leading "/" instead.
        outside = os.path.join(self.tmp, "outside")
        data = archive((member(outside, b"x"), b"x"))
        dest = os.path.join(self.tmp, "d")
        try:
            placed = ckpt.unpack_into(dest, pieces(data))
        except tarfile.TarError:
            self.assertFalse(ckpt._DATA_FILTER)
            self.assertEqual(os.listdir(dest), [])
        else:
            self.assertTrue(ckpt._DATA_FILTER)
            self.assertTrue(all(p.startswith(dest + os.sep) for p in placed), placed)
        self.assertFalse(os.path.lexists(outside))

    def test_a_link_inside_is_kept(self):
        data = archive(
            (member("ckpt", kind=tarfile.DIRTYPE), b""),
            (member("ckpt/a", b"x"), b"x"),
            (member("ckpt/latest", kind=tarfile.SYMTYPE, linkname="a"), b""),
        )
        ckpt.unpack_into(self.tmp, pieces(data))
        self.assertEqual(os.readlink(os.path.join(self.tmp, "ckpt", "latest")), "a")


class FakeScheduler(scheduler_pb2_grpc.SchedulerServiceServicer):
    """DownloadCheckpoint answers from `answers`, one per call: bytes, then maybe a status."""

    def __init__(self) -> None:
        self.answers: List[Callable[[], "tuple[bytes, Optional[grpc.StatusCode]]"]] = []
        self.calls: List[str] = []
        self.lock = threading.Lock()

    def DownloadCheckpoint(self, request, context):  # noqa: N802 - the RPC's name
        with self.lock:
            self.calls.append(request.task_id)
            data, status = self.answers.pop(0)()
        for at in range(0, len(data), 1000):
            yield scheduler_pb2.DownloadCheckpointResponse(data=data[at : at + 1000])
        if status is not None:
            context.abort(status, f"{status.name.lower()} for {request.task_id}")


class ClientTest(TempDirTest):
    @classmethod
    def setUpClass(cls) -> None:
        cls.fake = FakeScheduler()
        cls.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        scheduler_pb2_grpc.add_SchedulerServiceServicer_to_server(cls.fake, cls.server)
        port = cls.server.add_insecure_port("127.0.0.1:0")
        cls.server.start()
        cls.client = Client(f"127.0.0.1:{port}", token="")

    @classmethod
    def tearDownClass(cls) -> None:
        cls.client.close()
        cls.server.stop(None)

    def setUp(self) -> None:
        super().setUp()
        self.fake.answers.clear()
        self.fake.calls.clear()

    def answer(self, data: bytes, status: Optional[grpc.StatusCode] = None) -> None:
        self.fake.answers.append(lambda: (data, status))

    def test_download_checkpoint_yields_the_archive_in_order(self):
        self.answer(V1)
        self.assertEqual(b"".join(self.client.download_checkpoint("t-1")), V1)
        self.assertEqual(self.fake.calls, ["t-1"])

    def test_download_errors_are_typed(self):
        for status, error in [(grpc.StatusCode.NOT_FOUND, NotFoundError), (grpc.StatusCode.ABORTED, AbortedError), (grpc.StatusCode.DATA_LOSS, DataLossError)]:
            with self.subTest(status.name):
                self.answer(b"", status)
                with self.assertRaises(error):
                    list(self.client.download_checkpoint("t-1"))

    def test_save_checkpoint_unpacks_and_returns_the_directory(self):
        self.answer(V1)
        self.assertEqual(self.client.save_checkpoint("t-1", self.tmp), os.path.join(self.tmp, "ckpt"))
        with open(os.path.join(self.tmp, "ckpt", "step"), "rb") as f:
            self.assertEqual(f.read(), b"100\n")

    def test_save_checkpoint_downloads_again_once_after_aborted_keeping_only_the_newer_save(self):
        self.answer(V1[:2048], grpc.StatusCode.ABORTED)
        self.answer(V2)
        self.client.save_checkpoint("t-1", self.tmp)
        self.assertEqual(len(self.fake.calls), 2)
        self.assertEqual(sorted(os.listdir(os.path.join(self.tmp, "ckpt"))), ["step"])
        with open(os.path.join(self.tmp, "ckpt", "step"), "rb") as f:
            self.assertEqual(f.read(), b"200\n")

    def test_save_checkpoint_gives_up_after_a_second_aborted(self):
        self.answer(b"", grpc.StatusCode.ABORTED)
        self.answer(b"", grpc.StatusCode.ABORTED)
        with self.assertRaises(AbortedError):
            self.client.save_checkpoint("t-1", self.tmp)
        self.assertEqual(len(self.fake.calls), 2)

    def test_save_checkpoint_keeps_nothing_after_data_loss(self):
        self.answer(V1, grpc.StatusCode.DATA_LOSS)
        with self.assertRaises(DataLossError):
            self.client.save_checkpoint("t-1", os.path.join(self.tmp, "out"))
        self.assertEqual(os.listdir(os.path.join(self.tmp, "out")), [])
        self.assertEqual(len(self.fake.calls), 1)


if __name__ == "__main__":
    unittest.main()
