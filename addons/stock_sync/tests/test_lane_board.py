import threading
import time
import zlib

from odoo.tests import BaseCase, tagged

from ..services.lane_board import SPLITS, LaneBoard


@tagged("post_install", "-at_install")
class TestLaneBoard(BaseCase):
    def _dry_in_thread(self, board, lane, deadline=10.0):
        answer = []
        thread = threading.Thread(
            target=lambda: answer.append(board.ran_dry(lane, time.monotonic() + deadline))
        )
        thread.start()
        self.addCleanup(thread.join, 10)
        for _ in range(200):  # until it waits on the board
            if lane in board._waiting:
                break
            time.sleep(0.01)
        return thread, answer

    def _serving(self, board, lanes, key_hash):
        """The lanes whose share holds ``key_hash``."""
        return [
            lane for lane in range(lanes) if key_hash % board.share(lane)[1] in board.share(lane)[0]
        ]

    def test_lanes_start_on_the_keys_of_hash_modulo_lanes(self):
        board = LaneBoard(2)
        for key in range(500):
            self.assertEqual(self._serving(board, 2, key), [key % 2])

    def test_a_dry_lane_takes_half_of_a_busy_lanes_keys_and_keeps_its_own(self):
        board = LaneBoard(2)
        own = set(board.share(1)[0])
        thread, answer = self._dry_in_thread(board, 1)
        # A step that sent nothing hands nothing over.
        board.after_step(0, 0)
        self.assertTrue(thread.is_alive())
        board.after_step(0, 500)
        thread.join(5)
        self.assertEqual(answer, [True])
        kept, given = set(board.share(0)[0]), set(board.share(1)[0]) - own
        self.assertTrue(own <= set(board.share(1)[0]), "the dry lane still serves its own keys")
        self.assertEqual(len(kept), len(given))
        self.assertFalse(kept & given)

    def test_every_key_is_served_by_exactly_one_lane_after_handovers(self):
        lanes = 3
        board = LaneBoard(lanes)
        for dry, donor in [(1, 0), (2, 0), (0, 1), (1, 2), (2, 1), (0, 2)]:
            thread, answer = self._dry_in_thread(board, dry)
            board.after_step(donor, 10)
            thread.join(5)
            self.assertEqual(answer, [True], (dry, donor))
        for key in range(3000):
            key_hash = zlib.crc32(f"product:{key}@company:1".encode())
            self.assertEqual(len(self._serving(board, lanes, key_hash)), 1, key)

    def test_the_run_ends_when_every_lane_is_dry(self):
        board = LaneBoard(2)
        thread, answer = self._dry_in_thread(board, 1)
        self.assertTrue(thread.is_alive())
        self.assertFalse(board.ran_dry(0, time.monotonic() + 10))
        thread.join(5)
        self.assertEqual(answer, [False])

    def test_a_dry_lane_ends_when_the_busy_lane_leaves(self):
        # The busy lane ended on an error (or its deadline): nobody is left to hand over.
        board = LaneBoard(2)
        thread, answer = self._dry_in_thread(board, 1, deadline=30)
        board.leave(0)
        thread.join(5)
        self.assertEqual(answer, [False])

    def test_a_dry_lane_ends_at_the_deadline(self):
        board = LaneBoard(2)
        self.assertFalse(board.ran_dry(1, time.monotonic() + 0.2))
        self.assertEqual(board._waiting, [])

    def test_a_lane_down_to_one_bucket_hands_nothing_over(self):
        board = LaneBoard(2)
        for _split in range(SPLITS):
            thread, answer = self._dry_in_thread(board, 1)
            board.after_step(0, 10)
            thread.join(5)
            self.assertEqual(answer, [True])
        self.assertEqual(len(board.share(0)[0]), 1)
        thread, answer = self._dry_in_thread(board, 1, deadline=0.5)
        board.after_step(0, 10)
        thread.join(5)
        self.assertEqual(answer, [False])
        self.assertEqual(len(board.share(0)[0]), 1)
