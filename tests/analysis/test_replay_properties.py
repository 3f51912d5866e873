"""Whatever file a user hands the replay command, it reads it or says which line is wrong."""

from __future__ import annotations

from collections import Counter
import io
import re

from hypothesis import given, settings, strategies as st

from custom_components.fridge_care.analysis.model import Role
from custom_components.fridge_care.analysis.replay import ReplayError, read_csv

_ROLES = [role.value for role in Role]
_LINE = re.compile(r"^line \d+: ")

cells = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.sampled_from(["", "unavailable", "unknown", "on", "off", "nan", "inf", "x", '"', ";"]),
    st.text(max_size=6),
)


@settings(max_examples=300, deadline=None)
@given(
    header=st.lists(st.sampled_from(["time", *_ROLES, "entity_id", "junk"]), max_size=5),
    rows=st.lists(st.lists(cells, max_size=6), max_size=8),
)
def test_any_file_is_read_or_refused_naming_the_line(
    header: list[str], rows: list[list[str]]
) -> None:
    text = "\n".join(",".join(row) for row in [header, *rows])
    try:
        readings = read_csv(io.StringIO(text), {"sensor.plug": Role.COMPRESSOR_POWER})
    except ReplayError as err:
        assert _LINE.match(str(err)), str(err)
    else:
        assert [r.at for r in readings] == sorted(r.at for r in readings)


@settings(max_examples=200, deadline=None)
@given(
    roles=st.lists(st.sampled_from(_ROLES), min_size=1, max_size=5, unique=True),
    data=st.data(),
)
def test_a_well_formed_wide_file_loses_no_reading(roles: list[str], data: st.DataObject) -> None:
    count = data.draw(st.integers(min_value=0, max_value=20))
    values = st.one_of(
        st.none(),
        st.floats(min_value=-50, max_value=500, allow_nan=False).map(lambda v: round(v, 2)),
    )
    lines = ["time," + ",".join(roles)]
    expected: list[tuple[float, str, float | None]] = []
    for i in range(count):
        at = 1_700_000_000.0 + 60 * i
        row = [f"{at:.0f}"]
        for role in roles:
            value = data.draw(values)
            if role == Role.DOOR.value and value is not None:
                value = float(value > 0)
            row.append("unavailable" if value is None else repr(value))
            expected.append((at, role, value))
        lines.append(",".join(row))
    readings = read_csv(io.StringIO("\n".join(lines) + "\n"), {})
    assert Counter((r.at, r.role.value, r.value) for r in readings) == Counter(expected)
