"""Item 5: value summaries never run user code: no __getattribute__, __getattr__, descriptor,
__class__ property, __repr__ or __len__ of a user's class is ever called."""

from __future__ import annotations

import time

from _helpers import script, trace

from codetour.store.reader import TraceReader
from codetour.trace.summary import summarize, summarize_named


class Counting:
    """Counts every attribute access that goes through Python code."""

    calls = 0

    def __getattribute__(self, name):
        type(self).calls += 1
        return object.__getattribute__(self, name)

    def __getattr__(self, name):
        type(self).calls += 1
        raise AttributeError(name)

    def __repr__(self):
        type(self).calls += 1
        return "Counting()"

    def __len__(self):
        type(self).calls += 1
        return 1

    @property
    def __class__(self):
        type(self).calls += 1
        return int


class ShapeProperty:
    """Looks array-like to a careless check: reading .shape runs code."""

    calls = 0
    dtype = "float32"

    @property
    def shape(self):
        ShapeProperty.calls += 1
        return (1, 2)


class DictProperty:
    calls = 0

    @property
    def __dict__(self):
        DictProperty.calls += 1
        return {"x": 1}


class HostileError(Exception):
    calls = 0

    def __getattribute__(self, name):
        HostileError.calls += 1
        return object.__getattribute__(self, name)


def test_no_dunder_of_a_user_class_is_called():
    value = Counting()
    for _ in range(3):
        assert summarize(value).startswith("<Counting")
        assert summarize_named("x", value).startswith("<Counting")
        assert summarize([value, {"k": value}]).startswith("list[2]")
    assert Counting.calls == 0


def test_shape_and_dict_properties_and_exception_attributes_are_not_read():
    assert summarize(ShapeProperty()).startswith("<ShapeProperty")
    assert ShapeProperty.calls == 0
    assert summarize(DictProperty()) == "<DictProperty>"
    assert DictProperty.calls == 0
    assert summarize(HostileError("boom", 2)) == "HostileError('boom', 2)"
    assert HostileError.calls == 0


SLOW = """
import time


class Slow:
    def __getattribute__(self, name):
        time.sleep(1.0)
        return object.__getattribute__(self, name)

    def __getattr__(self, name):
        time.sleep(1.0)
        raise AttributeError(name)


def use(obj, n):
    items = [obj] * n
    return len(items)


slow = Slow()
for i in range(5):
    use(slow, i)
print("done")
"""


def test_a_slow_getattribute_does_not_slow_the_trace(tmp_path):
    target = script(tmp_path / "repo", "slow_attrs.py", SLOW)
    started = time.perf_counter()
    proc, out = trace(target, extra=("-q",))
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0 and proc.stdout == "done\n", proc.stderr
    # Each summary that reached __getattribute__ would sleep a second; there are dozens of them.
    assert elapsed < 15
    with TraceReader(out) as reader:
        use = reader.function_by_name("use")
        assert reader.frames_of(use.id)[0].args["obj"] == "<Slow>"
