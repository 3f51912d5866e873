"""What the engine keeps of each sensor: its held reading, availability and 10-minute averages.

Home Assistant records a state only when it changes, so a reading stands until the next one: a
plug that reports on change says nothing for hours while the fridge holds still, and that is not
silence. Only ``unavailable`` (or a value the engine rejects) ends a reading's hold. Updating is
O(1) work per sample; averages over a window come from a fixed ring of time-weighted 10-minute
buckets, so memory stays bounded however long the fridge runs.
"""

from __future__ import annotations

from .state import Persistent

BUCKET_S = 600.0
_SLOTS = 6 * 24 * 4  # four days of 10-minute buckets
_BLIND_S = 900.0  # unavailable this long: a defrost (or a short fault) may have passed unseen
_MIN_STEP_K = 0.05  # smaller changes are rounding, not a sensor's step
_MAX_STEP_K = 2.5  # no food-safety margin wider than half of this


class Signal(Persistent):
    """One sensor's recent history, with each reading held until the next."""

    __slots__ = (
        "_acc_s",
        "_acc_sum",
        "_booked_to",
        "_bucket",
        "changed_at",
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
        self.last_at: float | None = None  # when the last state (reading or unavailable) came
        self.value: float | None = None  # the reading that holds now; None while unavailable
        self.changed_at: float | None = None  # when the held value last moved
        self.unavailable_since: float | None = None
        self.gap_end: float | None = None  # when the last unavailable spell of 15 min+ ended
        self._booked_to: float | None = None  # the held value is averaged in up to here
        self._bucket = -1
        self._acc_sum = 0.0
        self._acc_s = 0.0
        self.slot_bucket: list[int] = [-1] * _SLOTS
        self.slot_mean: list[float] = [0.0] * _SLOTS

    def update(self, at: float, value: float | None) -> bool:
        """Take one state; return False (and change nothing) for a stale or repeated one."""
        last_at = self.last_at
        if last_at is not None and (at < last_at or (at == last_at and value == self.value)):
            return False
        self.advance(at)
        previous = self.value
        if value is None:
            if previous is not None or last_at is None:
                self.unavailable_since = at
        else:
            since = self.unavailable_since
            if since is not None and last_at is not None and at - since >= _BLIND_S:
                self.gap_end = at
            self.unavailable_since = None
            if value != previous:
                self.changed_at = at
        self.last_at = at
        self.value = value
        self._booked_to = at if value is not None else None
        return True

    def advance(self, now: float) -> None:
        """Average the held reading in up to ``now`` (a reading holds until the next state)."""
        start = self._booked_to
        value = self.value
        if start is None or value is None or now <= start:
            return
        while start < now:
            bucket = int(start // BUCKET_S)
            end = min(now, (bucket + 1) * BUCKET_S)
            if bucket != self._bucket:
                self._close()
                self._bucket = bucket
            self._acc_sum += value * (end - start)
            self._acc_s += end - start
            start = end
        self._booked_to = now

    def _close(self) -> None:
        if self._acc_s > 0:
            slot = self._bucket % _SLOTS
            self.slot_bucket[slot] = self._bucket
            self.slot_mean[slot] = self._acc_sum / self._acc_s
        self._acc_sum = self._acc_s = 0.0

    def _bucket_mean(self, bucket: int) -> float | None:
        if bucket == self._bucket:
            return self._acc_sum / self._acc_s if self._acc_s > 0 else None
        slot = bucket % _SLOTS
        return self.slot_mean[slot] if self.slot_bucket[slot] == bucket else None

    def mean(self, since: float, until: float) -> float | None:
        """Time-weighted mean over the 10-minute buckets from ``since``'s to ``until``'s, if seen.

        Call :meth:`advance` first to include the held reading up to now.
        """
        last = int(until // BUCKET_S)
        first = max(int(since // BUCKET_S), last - _SLOTS + 1)
        means = [m for b in range(first, last + 1) if (m := self._bucket_mean(b)) is not None]
        return sum(means) / len(means) if means else None

    def bucket_means(self, since: float, until: float) -> list[float]:
        """Return the means of the 10-minute buckets starting in [since, until), oldest first.

        Buckets the sensor did not see (unavailable) are skipped.
        """
        last = int(until // BUCKET_S)
        first = max(int(since // BUCKET_S), last - _SLOTS + 1)
        return [m for b in range(first, last) if (m := self._bucket_mean(b)) is not None]

    def holds_s(self, since: float, until: float, above: float | None = None) -> list[float]:
        """Return how long the reading held each value in [since, until), to 10 minutes, in order.

        Told from the buckets: consecutive buckets with the very same mean saw no change. With
        ``above``, only readings above it count (a plug's 0 W is the mains' story, not its own).
        """
        last = int(until // BUCKET_S)
        first = max(int(since // BUCKET_S), last - _SLOTS + 1)
        holds: list[float] = []
        streak = 0
        previous: float | None = None
        for bucket in range(first, last):
            mean = self._bucket_mean(bucket)
            counted = mean is not None and (above is None or mean > above)
            if not (counted and streak and mean == previous):
                if streak:
                    holds.append(streak * BUCKET_S)
                streak = 0
            streak += counted
            previous = mean
        if streak:
            holds.append(streak * BUCKET_S)
        return holds

    def available(self) -> bool:
        """Whether the sensor has a reading that holds now."""
        return self.value is not None


class Compartment(Persistent):
    """Food-safety bookkeeping for one compartment against its limit.

    A reading is only as fine as the sensor's reporting step: a sensor that reports in 2.5 K steps
    and reads 5.0 °C may be at 3.8 °C. So a compartment counts as above its limit only once the
    reading is above it by half a step (the smallest change this sensor has reported).
    """

    __slots__ = (
        "_below_since",
        "_last_at",
        "_last_value",
        "above_since",
        "excursion_exposure_s",
        "peak_c",
        "step",
    )
    _STATE = __slots__

    def __init__(self) -> None:
        """Start inside the limit."""
        self.above_since: float | None = None  # continuously above the limit since
        self._below_since: float | None = None
        self._last_at: float | None = None
        self._last_value: float | None = None
        self.excursion_exposure_s = 0.0  # time above the limit in the current excursion
        self.peak_c: float | None = None
        self.step = 0.0  # the sensor's reporting step, once it has moved

    def update(self, at: float, value: float | None, limit: float) -> None:
        """Account the time since the last reading (which held until now), then take this one."""
        if value is None:
            self._last_at = None
            return
        self._learn_step(value)
        if self._last_at is not None and self.above_since is not None:
            self.excursion_exposure_s += at - self._last_at
        self._last_at = at
        if value > self.limit(limit):
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

    def limit(self, limit: float) -> float:
        """Return the reading above which this sensor is surely above ``limit``."""
        return limit + self.step / 2

    def _learn_step(self, value: float) -> None:
        previous, self._last_value = self._last_value, value
        if previous is None:
            return
        change = round(abs(value - previous), 2)
        if change >= _MIN_STEP_K and (not self.step or change < self.step):
            self.step = min(change, _MAX_STEP_K)

    def exposure_s(self, now: float) -> float:
        """Time above the limit in this excursion, counting the held reading up to ``now``."""
        if self.above_since is None or self._last_at is None:
            return self.excursion_exposure_s
        return self.excursion_exposure_s + max(0.0, now - self._last_at)


class Door(Persistent):
    """Door position as the door sensor reports it."""

    __slots__ = ("last_closed_at", "open_since", "openings")
    _STATE = __slots__

    def __init__(self) -> None:
        """Start closed."""
        self.open_since: float | None = None
        self.last_closed_at: float | None = None
        self.openings = 0

    def update(self, at: float, value: float | None) -> None:
        """Take one reading: 1.0 open, 0.0 closed, None unknown."""
        if value is None or value < 0.5:
            if self.open_since is not None:
                self.last_closed_at = at
            self.open_since = None
        elif self.open_since is None:
            self.open_since = at
            self.openings += 1
