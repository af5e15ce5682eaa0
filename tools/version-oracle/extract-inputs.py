#!/usr/bin/env python3
"""Extracts the test inputs of the peer suites into inputs/ (run by hand when a pin moves; the result is committed).

    extract-inputs.py PACKAGING_TESTS_DIR RPMVERCMP_AT

PACKAGING_TESTS_DIR: pypa/packaging's tests/ at the pinned tag (test_version.py, test_specifiers.py,
test_markers.py); RPMVERCMP_AT: rpm's tests/rpmvercmp.at. Only the inputs are kept (every string literal
of the packaging tests, every RPMVERCMP line with rpm's own expected answer); the answers the tests check
come from the oracles, in generate.py.
"""
import ast, os, re, sys

tests, at = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "inputs")

def literals(path):
    seen = []
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            s = node.value
            if 0 < len(s) <= 120 and "\n" not in s and "\t" not in s and s not in seen:
                seen.append(s)
    return seen

def pairs(path):
    """(a, b) string tuples of parametrize lists: (version, specifier) candidates."""
    found = []
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.Tuple) and len(node.elts) >= 2 and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts[:2]):
            a, b = node.elts[0].value, node.elts[1].value
            if "\n" not in a + b and "\t" not in a + b and (a, b) not in found:
                found.append((a, b))
    return found

for name in ("test_version.py", "test_specifiers.py", "test_markers.py"):
    with open(os.path.join(out, "packaging-" + name.replace(".py", "-literals.txt")), "w", encoding="utf-8") as f:
        f.write(f"# string literals of pypa/packaging tests/{name}, one a line\n")
        for s in literals(os.path.join(tests, name)):
            f.write(s + "\n")
with open(os.path.join(out, "packaging-test_specifiers-pairs.tsv"), "w", encoding="utf-8") as f:
    f.write("# string pairs of pypa/packaging tests/test_specifiers.py parametrize lists: a<TAB>b\n")
    for a, b in pairs(os.path.join(tests, "test_specifiers.py")):
        f.write(f"{a}\t{b}\n")
with open(os.path.join(out, "rpmvercmp.tsv"), "w", encoding="utf-8") as f:
    f.write("# rpm tests/rpmvercmp.at: a<TAB>b<TAB>rpm's expected answer\n")
    for line in open(at, encoding="utf-8"):
        m = re.match(r"^RPMVERCMP\(([^,]*), ([^,]*), (-?\d)\)\s*$", line)
        if m:
            f.write("\t".join(m.groups()) + "\n")
