"""The recorder reads loops and the names they assign straight from the bytecode (3.11+), not
through ``dis.get_instructions``: the answers must be the ones ``dis`` gives, for every code object
of real modules."""

from __future__ import annotations

import argparse
import dis
import email.message
import json.decoder
import sys
import textwrap
import types

import pytest

from codetour.trace import recorder, series
from codetour.trace.recorder import _first_resume_offset, loop_ranges


def all_code(code: types.CodeType) -> list[types.CodeType]:
    found = [code]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found.extend(all_code(const))
    return found


def module_code(module: types.ModuleType) -> list[types.CodeType]:
    with open(module.__file__, encoding="utf-8") as f:
        return all_code(compile(f.read(), module.__file__, "exec"))


def dis_lines(code: types.CodeType) -> dict[int, int]:
    return {ins.offset: ln for ins in dis.get_instructions(code) if (ln := ins.positions.lineno) is not None}


def dis_loop_ranges(code: types.CodeType) -> dict[int, tuple[int, int]]:
    """What loop_ranges answered when it read the code with dis."""
    lines = series.offset_lines(code)
    loops: dict[int, tuple[int, int]] = {}
    jumps = set(dis.hasjrel) | set(dis.hasjabs)
    for ins in dis.get_instructions(code):
        if ins.opcode in jumps and isinstance(ins.argval, int) and ins.argval <= ins.offset:
            head = lines.get(ins.argval)
            if head is None:
                continue
            body = [ln for off, ln in lines.items() if ins.argval <= off <= ins.offset] or [head]
            lo, hi = loops.get(head, (head, head))
            loops[head] = (min(lo, *body), max(hi, *body))
    return loops


def dis_loop_stores(code: types.CodeType, first: int, last: int) -> tuple[str, ...]:
    """The names dis says a loop's lines store (a two-name store, 3.13's STORE_FAST_STORE_FAST, gives both)."""
    names: dict[str, None] = {}
    line = None
    for ins in dis.get_instructions(code):
        if ins.positions.lineno is not None:
            line = ins.positions.lineno
        if ins.opname in series._STORES and line is not None and first <= line <= last:
            values = ins.argval if isinstance(ins.argval, tuple) else (ins.argval,)
            if ins.opname == "STORE_FAST_LOAD_FAST":
                values = values[:1]
            for name in values:
                if not (name.startswith("__") and name.endswith("__")):
                    names[name] = None
    return tuple(names)


@pytest.mark.skipif(not series.RAW_BYTECODE, reason="raw bytecode reading is for CPython 3.11+")
@pytest.mark.parametrize("module", [argparse, dis, email.message, json.decoder, recorder, textwrap], ids=lambda m: m.__name__)
def test_loops_and_their_stores_read_from_bytecode_are_what_dis_says(module):
    codes = module_code(module)
    loops_seen = 0
    for code in codes:
        listed = [(i.offset, i.opcode, i.arg or 0) for i in dis.get_instructions(code) if i.opname != "EXTENDED_ARG"]
        assert series.code_units(code) == listed, code.co_qualname
        assert loop_ranges(code) == dis_loop_ranges(code), code.co_qualname
        for first, last in loop_ranges(code).values():
            loops_seen += 1
            assert series.loop_stores(code, first, last) == dis_loop_stores(code, first, last), code.co_qualname
        if code.co_flags & (0x20 | 0x80 | 0x200):
            assert _first_resume_offset(code) == next(i.offset for i in dis.get_instructions(code) if i.opname == "RESUME")
    assert loops_seen >= 3  # real loops were compared, not just functions without any


def test_a_tuple_assignment_in_a_loop_gives_both_names():
    """3.13 stores ``loss, acc = ...`` with one instruction (STORE_FAST_STORE_FAST): both are the
    loop's scalars, as they are on every other Python."""

    def epoch(batches):
        for batch in batches:
            loss, acc = batch * 2, batch * 3
            lr = 0.1
        return loss, acc, lr

    code = epoch.__code__
    ((first, last),) = loop_ranges(code).values()
    assert set(series.loop_stores(code, first, last)) == {"batch", "acc", "loss", "lr"}
    if sys.version_info >= (3, 13):
        assert "STORE_FAST_STORE_FAST" in {ins.opname for ins in dis.get_instructions(code)}
