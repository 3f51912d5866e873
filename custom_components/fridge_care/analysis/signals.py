"""What the engine keeps of each sensor: last reading, availability and 10-minute averages.

Updating is O(1) work per sample so ingest stays cheap; averages over a window are read from a
fixed ring of time-weighted 10-minute buckets, so memory stays bounded however long the fridge runs.
"""

from __future__ import annotations

from .state import Persistent

BUCKET_S = 600.0
_SLOTS = 6 * 24 * 4  # four days of 10-minute buckets
_LONGEST_HOLD_S = 3600.0  # a reading older than this no longer stands for the present
_BLIND_S = 900.0  # long enough for a defrost (or a short fault) to pass unseen


class Signal(Persistent):
    """One sensor's recent history."""

    __slots__ = (
        "_acc_s",
        "_acc_sum",
        "_bucket",
        "changed_at",
        "first_at",
        "gap_end",
        "last_at",
        "slot_bucket",
        "slot_mean",
        "unavailable_since",
        "value",
    )
    _STATE = __slots__

    def __init__(self) -> None:
        """Start with no reading."""
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.value: float | None = None
        self.changed_at: float | None = None  # when the value last moved
        self.unavailable_since: float | None = None
        self.gap_end: float | None = None  # when the last blind spell (15 min or more) ended
        self._bucket = -1
        self._acc_sum = 0.0
        self._acc_s = 0.0
        self.slot_bucket: list[int] = [-1] * _SLOTS
        self.slot_mean: list[float] = [0.0] * _SLOTS

    def update(self, at: float, value: float | None) -> bool:
        """Take one reading; return False (and change nothing) for a stale or repeated one."""
        last_at = self.last_at
        if last_at is None:
            self.first_at = self.changed_at = at
        else:
            if at < last_at or (at == last_at and value == self.value):
                return False
            previous = self.value
            blind_since = self.unavailable_since if previous is None else last_at
            if value is not None and blind_since is not None and at - blind_since >= _BLIND_S:
                self.gap_end = at
            if previous is not None:
                self._accumulate(last_at, previous, min(at - last_at, _LONGEST_HOLD_S))
                if value is not None and value != previous:
                    self.changed_at = at
            elif value is not None:
                self.changed_at = at
        if value is None:
            if self.unavailable_since is None or last_at is None:
                self.unavailable_since = at
        else:
            self.unavailable_since = None
        self.last_at = at
        self.value = value
        return True

    def _accumulate(self, at: float, value: float, seconds: float) -> None:
        bucket = int(at // BUCKET_S)
        if bucket != self._bucket:
            self._close()
            self._bucket = bucket
        self._acc_sum += value * seconds
        self._acc_s += seconds

    def _close(self) -> None:
        if self._acc_s > 0:
            slot = self._bucket % _SLOTS
            self.slot_bucket[slot] = self._bucket
            self.slot_mean[slot] = self._acc_sum / self._acc_s
        self._acc_sum = self._acc_s = 0.0

    def mean(self, since: float, until: float) -> float | None:
        """Time-weighted mean over whole 10-minute buckets in [since, until), or None if unseen."""
        first = int(since // BUCKET_S)
        last = int(until // BUCKET_S)
        total = 0.0
        count = 0
        slot_bucket, slot_mean = self.slot_bucket, self.slot_mean
        for bucket in range(max(first, last - _SLOTS + 1), last + 1):
            if bucket == self._bucket and self._acc_s > 0:
                total += self._acc_sum / self._acc_s
                count += 1
            elif slot_bucket[bucket % _SLOTS] == bucket:
                total += slot_mean[bucket % _SLOTS]
                count += 1
        return total / count if count else None

    def bucket_means(self, since: float, until: float) -> list[float]:
        """Return the 10-minute means of buckets starting in [since, until), oldest first.

        Gaps are skipped; the bucket still filling counts with its mean so far.
        """
        out: list[float] = []
        for bucket in range(int(since // BUCKET_S), int(until // BUCKET_S)):
            if bucket == self._bucket and self._acc_s > 0:
                out.append(self._acc_sum / self._acc_s)
            elif self.slot_bucket[bucket % _SLOTS] == bucket:
                out.append(self.slot_mean[bucket % _SLOTS])
        return out

    def fresh(self, now: float, within_s: float) -> float | None:
        """Return the value if the sensor is available and reported within ``within_s``."""
        if self.value is None or self.last_at is None or now - self.last_at > within_s:
            return None
        return self.value


class Compartment(Persistent):
    """Food-safety bookkeeping for one compartment against its limit."""

    __slots__ = ("_below_since", "_last_at", "above_since", "excursion_exposure_s", "peak_c")
    _STATE = __slots__

    def __init__(self) -> None:
        """Start inside the limit."""
        self.above_since: float | None = None  # continuously above the limit since
        self._below_since: float | None = None
        self._last_at: float | None = None
        self.excursion_exposure_s = 0.0  # time above the limit in the current excursion
        self.peak_c: float | None = None

    def update(self, at: float, value: float | None, limit: float) -> None:
        """Account the time since the last reading, then take this one."""
        if value is None:
            self._last_at = None
            return
        if self._last_at is not None and self.above_since is not None:
            self.excursion_exposure_s += min(at - self._last_at, _LONGEST_HOLD_S)
        self._last_at = at
        if value > limit:
            if self.above_since is None:
                self.above_since = at
            self._below_since = None
            self.peak_c = value if self.peak_c is None else max(self.peak_c, value)
        elif value <= limit - 0.2:
            self.above_since = None
            if self._below_since is None:
                self._below_since = at
            elif at - self._below_since >= 1800.0:  # back in range for half an hour: excursion over
                self.excursion_exposure_s = 0.0
                self.peak_c = None


class Door(Persistent):
    """Door position as the door sensor reports it."""

    __slots__ = ("open_since", "openings")
    _STATE = __slots__

    def __init__(self) -> None:
        """Start closed."""
        self.open_since: float | None = None
        self.openings = 0

    def update(self, at: float, value: float | None) -> None:
        """Take one reading: 1.0 open, 0.0 closed, None unknown."""
        if value is None or value < 0.5:
            self.open_since = None
        elif self.open_since is None:
            self.open_since = at
            self.openings += 1
