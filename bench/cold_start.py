"""Cold start: each handler's import in a fresh interpreter, against a bare `import boto3`.

Every function of template.yaml is imported by a new `python` process, as Lambda's init does:
PYTHONPATH is the function's code and the common layer, the environment is the template's
(Globals and the function's own variables, Refs and GetAtts as placeholder strings, parameters
at their defaults). The child times the import alone, with perf_counter, so the interpreter's
own start is left out; a bare `import boto3` is timed the same way, in the same rounds, as the
baseline (every function's AWS calls need it). Each target runs 7 times, interleaved, after one
untimed run that writes the bytecode caches, as pip does when it installs the layer. A handler
passes at 1.5x boto3's median or less.

"first call" is what the handler module puts off: the modules its first call imports (found in
the source: the imports inside the functions lambda_handler reaches), imported after the handler
in the same child. It is the import time the first invocation adds, not the invocation itself,
which needs AWS; the modules those import on their own first use are left out.

Why every handler starts with `import boto3`: imported at the end of a chain of our own modules
(handler -> aws.telemetry -> aws.sqs -> aws.clients -> boto3), urllib3's regular expressions
compile across a boundary of CPython's frame-stack chunks, and the interpreter maps and unmaps
memory thousands of times (strace: 4,000-6,250 munmap calls, against 15 for a bare import),
30-55 ms of the cold start. Imported first, from the handler itself, it costs what a bare import
does (checked on 3.11 and on Lambda's 3.12).

    .venv/bin/python bench/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialscore_ops.template import Function, Template, evaluate

ROOT = Path(__file__).resolve().parents[1]

LIMIT = 1.5  # times boto3's median
# Prints two numbers: the import's seconds, then those of the imports it put off.
CHILD = """
import sys, time
start = time.perf_counter()
__import__(sys.argv[1])
imported = time.perf_counter() - start
start = time.perf_counter()
for statement in sys.argv[2:]:
    exec(statement)
print(imported, time.perf_counter() - start)
"""


@dataclass(frozen=True)
class Target:
    name: str
    module: str
    environment: dict[str, str]
    deferred: tuple[str, ...] = ()  # import statements run by the first call


def _placeholder(logical: str, attribute: str | None) -> str:
    return logical if attribute is None else f"{logical}.{attribute}"


def environment(template: Template, fn: Function) -> dict[str, str]:
    """The function's variables as deployed, Refs and GetAtts as placeholders."""
    conditions = template.document.get("Conditions", {})
    evaluated = evaluate(fn.environment, _placeholder, template.parameter_defaults(), conditions)
    variables = {name: str(value) for name, value in evaluated.items() if value is not None}
    code = os.pathsep.join([str(ROOT / fn.code_uri), str(ROOT / "layers" / "common")])
    return _bare() | variables | {"PYTHONPATH": code}


def _bare() -> dict[str, str]:
    """This environment without what would change a child's import: a PYTHONPATH, bytecode
    caches off (PYTHONDONTWRITEBYTECODE), a Powertools setting the template does not make."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "PYTHON"))}


def deferred_imports(source: Path, entry: str = "lambda_handler") -> tuple[str, ...]:
    """The import statements of the handler's first call: those inside the module's functions
    that `entry` reaches, calling or naming them (a route registered on first use)."""
    tree = ast.parse(source.read_text())
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    found: list[str] = []
    seen: set[str] = set()
    pending = [entry]
    while pending:
        name = pending.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Name) and node.id in functions:
                pending.append(node.id)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                found.append(ast.unparse(node))
    return tuple(dict.fromkeys(found))


def targets(template: Template) -> list[Target]:
    found = [Target("boto3", "boto3", _bare())]
    for fn in sorted(template.functions(), key=lambda f: f.code_uri):
        module = fn.handler.rsplit(".", 1)[0]
        source = ROOT / fn.code_uri / f"{module}.py"
        name = Path(fn.code_uri).name
        found.append(Target(name, module, environment(template, fn), deferred_imports(source)))
    return found


def run(target: Target) -> tuple[float, float]:
    """(import seconds, first call's imports' seconds) in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, target.module, *target.deferred],
        env=target.environment,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[-2]), float(out[-1])


def measure(found: list[Target], runs: int) -> dict[str, list[tuple[float, float]]]:
    for target in found:
        run(target)  # writes the .pyc files
    samples: dict[str, list[tuple[float, float]]] = {t.name: [] for t in found}
    for _ in range(runs):  # interleaved: a slow moment of the machine hits every target alike
        for target in found:
            samples[target.name].append(run(target))
    return samples


def table(samples: dict[str, list[tuple[float, float]]]) -> list[dict[str, Any]]:
    baseline = statistics.median(s for s, _ in samples["boto3"])
    rows = []
    for name, runs in samples.items():
        times = [s for s, _ in runs]
        median = statistics.median(times)
        rows.append(
            {
                "name": name,
                "median": median * 1000,
                "min": min(times) * 1000,
                "max": max(times) * 1000,
                "ratio": median / baseline,
                "first_call": statistics.median(d for _, d in runs) * 1000,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    found = targets(Template.read(ROOT / "template.yaml"))
    rows = table(measure(found, args.runs))
    print(f"cold import, fresh interpreter, median of {args.runs} (ms); limit {LIMIT}x boto3")
    print(f"  {'import':<12}{'median':>8}{'min':>8}{'max':>8}{'ratio':>8}  verdict  first call")
    for row in rows:
        baseline = row["name"] == "boto3"
        verdict = "baseline" if baseline else "PASS" if row["ratio"] <= LIMIT else "FAIL"
        first_call = "" if baseline else f"{row['first_call']:8.1f}"
        print(
            f"  {row['name']:<12}{row['median']:8.1f}{row['min']:8.1f}{row['max']:8.1f}"
            f"{row['ratio']:7.2f}x  {verdict:<8} {first_call}"
        )


if __name__ == "__main__":
    main()
