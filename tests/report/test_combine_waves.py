"""Two waves compared when neither file has a ``wave`` column (as a web wave's export has none):
the combined responses name them ``previous`` and ``current``, and the changes are estimated."""

from collabstate import Responses, load_instrument
from collabstate.demo import readiness_2018
from collabstate.report.evidence import combine_waves, gather


def test_waves_without_a_wave_column_are_told_apart():
    data = readiness_2018().drop("wave")
    ins = load_instrument("readiness-2018")
    previous, current = Responses(ins, data.head(50)), Responses(ins, data.tail(60))
    both, names = combine_waves(previous, current)
    assert names == ("previous", "current")
    assert both.data["wave"].value_counts(sort=True).rows() == [("current", 60), ("previous", 50)]
    ev = gather(current, previous=previous, by=None)
    assert ev.changes is not None and ev.changes.height > 0 and ev.previous_n == 50
