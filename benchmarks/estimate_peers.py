"""The peers of ``bench_estimate.py``: R ``survey`` and the Python package ``svy`` estimating what
``collabstate.estimate`` does for the ``leaders`` instrument by sector, and the comparison of
their numbers with ours (see ``bench_estimate.py`` for how they are run and timed)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / ".bench"


def _spec():
    """What is estimated, per question: (column, kind, nets, scored) and the multiple-choice options."""
    from collabstate.instrument import load_instrument

    ins = load_instrument("leaders")
    coded, multiple = [], []
    for c in ins.columns:
        if c.kind == "code":
            nets = [(n.id, n.codes) for n in ins.nets(c.question)]
            scored = c.question.type in ("scale", "matrix")
            coded.append((c.name, nets, scored, c.question.relevant is not None))
    for q in ins.questions:
        if q.type == "multiple":
            multiple.append((q.id, [o.code for o in q.options]))
    return ins, coded, multiple


def with_nets(frame):
    """NET indicators (null where the question is not answered), as R and svy need them."""
    import polars as pl

    _, coded, _ = _spec()
    return frame.with_columns(
        pl.col(name).is_in(codes).cast(pl.Int8).alias(f"net__{name}__{net}") for name, nets, _, _ in coded for net, codes in nets
    )


# ------------------------------------------------------------------------------------ svy
def run_svy(parquet: str, out: str | None) -> dict:
    import polars as pl
    import svy

    _, coded, multiple = _spec()
    frame = with_nets(pl.read_parquet(parquet))
    frame = frame.rename({c: c.replace("/", "__") for c in frame.columns})
    shares = [name for name, _, _, _ in coded]
    means = [name for name, _, scored, _ in coded if scored]
    means += [f"net__{name}__{net}" for name, nets, _, _ in coded for net, _ in nets]
    means += [f"{q}__{o}" for q, options in multiple for o in options]
    start = time.perf_counter()
    sample = svy.Sample(frame, svy.Design(stratum="stratum", psu="cluster", wgt="weight"))
    results = []
    for by in ("sector", None):
        names = [x for x in shares if x != by]  # svy gives 0 for a sector's own share within the sector
        results.append((by, "proportion", names, sample.estimation.prop(names, by=by, drop_nulls=True)))
        results.append((by, "mean", means, sample.estimation.mean(means, by=by, drop_nulls=True)))
    seconds = time.perf_counter() - start
    rows: list[dict] = []
    for by, kind, names, estimates in results:
        for var, e in zip(names, estimates):
            for r in e.to_polars().iter_rows(named=True):
                rows.append({"var": var, "level": str(r[var]) if kind == "proportion" else None,
                             "group": None if by is None else str(r["sector"]), "estimate": r["est"], "se": r["se"]})  # fmt: skip
    if out:
        pl.DataFrame(rows).write_parquet(out)
    return {"seconds": seconds}


R_TEMPLATE = """suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c(stratum = "character", cluster = "character"))
out <- list()
timing <- system.time({{
  D <- svydesign(ids = ~cluster, strata = ~stratum, weights = ~weight, data = d, nest = TRUE)
{calls}
}})
rows <- list()
for (key in names(out)) {{
  for (part in names(out[[key]])) {{
    r <- out[[key]][[part]]
    cf <- coef(r); se <- sqrt(diag(as.matrix(vcov(r))))
    rows[[length(rows) + 1]] <- data.frame(key = key, part = part, name = names(cf),
      estimate = sprintf("%.17g", cf), se = sprintf("%.17g", se), stringsAsFactors = FALSE)
  }}
}}
write.csv(do.call(rbind, rows), args[2], row.names = FALSE)
writeLines(sprintf("%.3f", timing[["elapsed"]]), args[3])
"""


def r_script() -> str:
    _, coded, multiple = _spec()
    calls = []
    for name, nets, scored, skip in coded:
        terms = [f"factor({name})"] + ([name] if scored else []) + [f"net__{name}__{net}" for net, _ in nets]
        formula = "~" + " + ".join(terms)
        design = f"subset(D, !is.na({name}))" if skip else "D"  # asked of one sector only: the others have no rows
        if name == "sector":  # the breakdown itself: its shares within a sector are 0 and 1 (R fails on one level)
            calls.append(f'  out[["{name}"]] <- list(total = svymean({formula}, D, na.rm = TRUE))')
            continue
        calls.append(f'  out[["{name}"]] <- list(by = svyby({formula}, ~sector, {design}, svymean, na.rm = TRUE), '
                     f'total = svymean({formula}, D, na.rm = TRUE))')  # fmt: skip
    for q, options in multiple:
        formula = "~" + " + ".join(f"{q}__{o}" for o in options)
        calls.append(
            f'  out[["{q}"]] <- list(by = svyby({formula}, ~sector, D, svymean, na.rm = TRUE), total = svymean({formula}, D, na.rm = TRUE))'
        )
    return R_TEMPLATE.format(calls="\n".join(calls))


def run_r(csv: Path, n: int) -> dict:
    script = BENCH_DIR / "bench_estimate.R"
    script.write_text(r_script())
    out, timing = BENCH_DIR / f"r-{n}.csv", BENCH_DIR / f"r-{n}.time"
    start = time.perf_counter()
    subprocess.run(["Rscript", str(script), str(csv), str(out), str(timing)], check=True, capture_output=True, text=True)
    return {"seconds": float(timing.read_text()), "wall_with_reading": time.perf_counter() - start}


# ------------------------------------------------------------------------------ comparison
def _key(var: str, level: str | None, multiple: set[str]) -> tuple[str, str | None, str]:
    """(question, option, statistic) of a variable as R and svy name it."""
    if var.startswith("factor(") and ")" in var:
        return var[7 : var.index(")")], var[var.index(")") + 1 :], "proportion"
    if level is not None:
        return var, level, "proportion"
    if var.startswith("net__"):
        _, q, net = var.split("__")
        return q, net, "net"
    if "__" in var and var.split("__")[0] in multiple:
        q, o = var.split("__", 1)
        return q, o, "proportion"
    return var, None, "mean"


def _rel(ours: float, theirs: float) -> float:
    return abs(ours - theirs) / abs(theirs) if theirs else abs(ours)


def compare(ours_path: Path, theirs: list[dict]) -> dict:
    """Largest relative differences of estimates and SEs over the rows both have."""
    import polars as pl

    _, _, multiple = _spec()
    names = {q for q, _ in multiple}
    ours = {
        (r["question"], r["option"], r["statistic"], r["group"]): (r["estimate"], r["se"])
        for r in pl.read_parquet(ours_path).iter_rows(named=True)
    }
    worst_est = worst_se = 0.0
    matched = missing = 0
    for t in theirs:
        key = (*_key(t["var"], t["level"], names), t["group"])
        if key not in ours or ours[key][0] is None:
            missing += 1
            continue
        matched += 1
        e, se = ours[key]
        worst_est = max(worst_est, _rel(e, t["estimate"]))
        worst_se = max(worst_se, _rel(se, t["se"]))
    return {"matched": matched, "missing": missing, "of_ours": sum(v[0] is not None for v in ours.values()),
            "est": worst_est, "se": worst_se}  # fmt: skip


def r_rows(n: int) -> list[dict]:
    import polars as pl

    rows = []
    for r in pl.read_csv(BENCH_DIR / f"r-{n}.csv", infer_schema=False).iter_rows(named=True):
        group, var = r["name"].split(":", 1) if r["part"] == "by" else (None, r["name"])
        rows.append({"var": var, "level": None, "group": group, "estimate": float(r["estimate"]), "se": float(r["se"])})
    return rows


def svy_rows(n: int) -> list[dict]:
    import polars as pl

    return pl.read_parquet(BENCH_DIR / f"svy-{n}.parquet").to_dicts()


def r_version() -> str:
    out = subprocess.run(["Rscript", "-e", "cat(paste(R.version$major, R.version$minor, sep='.'), as.character(packageVersion('survey')))"],
                         capture_output=True, text=True).stdout.split()  # fmt: skip
    return f"{out[0]} with survey {out[1]}" if len(out) == 2 else "?"
