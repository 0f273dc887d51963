"""Fixtures of the security tests: the world, and the counts printed at the end of the run
(cells of the matrix walked, responses checked for headers, inputs tried per route)."""
from __future__ import annotations

from collections import Counter

import pytest

from .world import build_world

# Filled by the tests, printed by pytest_terminal_summary.
STATS: dict[str, Counter] = {"matrix": Counter(), "headers": Counter(), "inputs": Counter()}


@pytest.fixture
def world(app):
    """Every role's person and other tenants' objects, in the test's transaction."""
    return build_world()


def pytest_terminal_summary(terminalreporter):
    """How much the security tests checked."""
    if not any(STATS.values()):
        return
    write = terminalreporter.write_line
    terminalreporter.section("security coverage")
    matrix = STATS["matrix"]
    if matrix:
        write(f"authorization matrix: {matrix['cells']} cells checked ({matrix['get']} GET, {matrix['unsafe']} "
              f"unsafe) over {matrix['rows']} rows x {matrix['roles']} role runs")
    if STATS["headers"]:
        write(f"security headers: {STATS['headers']['responses']} responses checked")
    inputs = STATS["inputs"]
    if inputs:
        write(f"attack inputs: {sum(inputs.values())} tried over {len(inputs)} routes")
        for route, count in sorted(inputs.items()):
            write(f"  {count:6d}  {route}")
