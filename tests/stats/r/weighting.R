# Reference numbers from R's survey package for tests/stats/test_weighting_against_r.py:
# rake() and postStratify(), then svymean / svyby(svymean) / svyciprop on the calibrated designs.
#
# Usage: Rscript weighting.R <out_dir>
# Writes the data (w_apistrat.csv, w_apiclus1.csv, w_random.csv), one targets file per case in
# collabstate's CSV format (targets_<case>.csv: variable, code, target), R's calibrated weights
# (weights.csv: case, row, weight) and the results (reference.csv: case, variable, by, group,
# stat, value; 17 significant digits). Raking runs to its fixed point: maxit=100, epsilon=1e-12.
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
data(api)
CONTROL <- list(maxit = 100, epsilon = 1e-12)

num <- function(x) ifelse(is.na(x), NA, as.integer(x == "Yes"))
prep <- function(d) {
  data.frame(
    row = seq_len(nrow(d)), stratum = as.character(d$stype), dnum = d$dnum, pw = if (is.null(d$pw)) NA else d$pw,
    stype = match(as.character(d$stype), c("E", "H", "M")), sch_wide = num(d$sch.wide),
    awards = num(d$awards), comp_imp = num(d$comp.imp), both = num(d$both),
    api00 = d$api00, enroll = d$enroll, acs_k3 = d$acs.k3
  )
}
pop <- prep(apipop)
ws <- prep(apistrat)
wc <- prep(apiclus1)
write.csv(ws, file.path(out, "w_apistrat.csv"), row.names = FALSE, na = "")
write.csv(wc, file.path(out, "w_apiclus1.csv"), row.names = FALSE, na = "")

# Random data: 4 strata, clusters numbered within strata (nest=TRUE), stratum s4 with a single
# cluster, missing answers; w_random0 has zero weights (post-stratification only: R's raking
# variance is NaN with zero weights).
set.seed(20240611)
n_clusters <- c(s1 = 5, s2 = 4, s3 = 6, s4 = 1)
parts <- list()
for (s in names(n_clusters)) {
  for (k in seq_len(n_clusters[[s]])) {
    m <- sample(5:12, 1)
    parts[[length(parts) + 1]] <- data.frame(str = s, clu = k, u = rnorm(1))[rep(1, m), ]
  }
}
rd <- do.call(rbind, parts)
n <- nrow(rd)
rd$row <- seq_len(n)
rd$w <- round(runif(n, 0.5, 3) * (1 + as.integer(factor(rd$str)) / 3), 3)
rd$r1 <- sample(1:3, n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
rd$r2 <- sample(1:4, n, replace = TRUE, prob = c(0.2, 0.3, 0.3, 0.2))
rd$g <- sample(1:3, n, replace = TRUE)
rd$y <- round(50 + 3 * rd$r1 - 2 * rd$g + 4 * rd$u + rnorm(n, 0, 5), 2)
rd$y[sample(n, round(0.1 * n))] <- NA
rd$b <- rbinom(n, 1, plogis(-0.3 + 0.4 * rd$r2 - 0.3 * rd$g + 0.5 * rd$u))
rd$b[sample(n, round(0.05 * n))] <- NA
rd$w0 <- rd$w
rd$w0[sample(n, 6)] <- 0
# r1m: r1 with blank answers (raking with blanks as a cell of their own, or left out of it)
rd$r1m <- rd$r1
rd$r1m[sample(n, 9)] <- NA
rd <- rd[, c("row", "str", "clu", "w", "w0", "r1", "r2", "g", "y", "b", "r1m")]
write.csv(rd, file.path(out, "w_random.csv"), row.names = FALSE, na = "")

rows <- list()
emit <- function(case, variable, by, group, stat, value) {
  rows[[length(rows) + 1]] <<- data.frame(
    case = case, variable = variable, by = by, group = as.character(group), stat = stat,
    value = sprintf("%.17g", as.numeric(value)), stringsAsFactors = FALSE
  )
}
weight_rows <- list()
targets_file <- function(case, margins) {
  # margins: list of data frames (one or more code columns, then Freq); a cross is "a*b", "1*2"
  t <- do.call(rbind, lapply(margins, function(m) {
    vars <- setdiff(names(m), "Freq")
    data.frame(variable = paste(vars, collapse = "*"),
               code = do.call(paste, c(lapply(vars, function(v) as.character(m[[v]])), sep = "*")),
               target = sprintf("%.17g", m$Freq))
  }))
  write.csv(t, file.path(out, paste0("targets_", case, ".csv")), row.names = FALSE, quote = FALSE)
}
totals <- function(d, vars) {
  t <- as.data.frame(table(d[, vars, drop = FALSE]), stringsAsFactors = FALSE)
  for (v in vars) t[[v]] <- type.convert(t[[v]], as.is = TRUE)
  t[t$Freq > 0, ]
}
shares <- function(vars, probs, total) {
  t <- expand.grid(lapply(setNames(vars, vars), function(v) seq_along(probs[[v]])))
  t$Freq <- total * Reduce(`*`, lapply(vars, function(v) probs[[v]][t[[v]]]))
  t
}

report <- function(case, D, vars, bys, props) {
  weight_rows[[length(weight_rows) + 1]] <<- data.frame(case = case, row = D$variables$row, weight = sprintf("%.17g", weights(D)))
  emit(case, "", "", "", "degf", degf(D))
  for (v in vars) {
    f <- as.formula(paste0("~", v))
    valid <- !is.na(D$variables[[v]])
    Dv <- D[valid, ]
    m <- svymean(f, D, na.rm = TRUE)
    emit(case, v, "", "", "mean", coef(m)); emit(case, v, "", "", "se", SE(m))
    emit(case, v, "", "", "degf", degf(Dv)); emit(case, v, "", "", "nrow", nrow(Dv))
    emit(case, v, "", "", "t_lo", coef(m) - qt(0.975, degf(Dv)) * SE(m))
    emit(case, v, "", "", "t_hi", coef(m) + qt(0.975, degf(Dv)) * SE(m))
    for (b in bys) {
      r <- svyby(f, as.formula(paste0("~", b)), D, svymean, na.rm = TRUE)
      for (i in seq_len(nrow(r))) {
        l <- r[[b]][i]
        Dg <- D[valid & D$variables[[b]] == l, ]
        emit(case, v, b, l, "mean", coef(r)[i]); emit(case, v, b, l, "se", SE(r)[i])
        emit(case, v, b, l, "degf", degf(Dg)); emit(case, v, b, l, "nrow", nrow(Dg))
        emit(case, v, b, l, "t_lo", coef(r)[i] - qt(0.975, degf(Dg)) * SE(r)[i])
        emit(case, v, b, l, "t_hi", coef(r)[i] + qt(0.975, degf(Dg)) * SE(r)[i])
      }
    }
  }
  for (v in props) {
    f <- as.formula(paste0("~", v))
    Dv <- D[!is.na(D$variables[[v]]), ]
    for (method in c("logit", "beta")) {
      ci <- confint(svyciprop(f, Dv, method = method, na.rm = TRUE))
      emit(case, v, "", "", paste0(method, "_lo"), ci[1]); emit(case, v, "", "", paste0(method, "_hi"), ci[2])
      for (b in bys) {
        r <- svyby(f, as.formula(paste0("~", b)), Dv, svyciprop, method = method, vartype = "ci", na.rm = TRUE)
        for (i in seq_len(nrow(r))) {
          emit(case, v, b, r[[b]][i], paste0(method, "_lo"), r$ci_l[i])
          emit(case, v, b, r[[b]][i], paste0(method, "_hi"), r$ci_u[i])
        }
      }
    }
  }
}

options(survey.lonely.psu = "adjust")
# apistrat: strata, no clusters. Raking on the stratum (a design column) and two questions, to the
# population's counts; post-stratification on a cross of two questions.
d <- svydesign(id = ~1, strata = ~stratum, weights = ~pw, data = ws)
m <- list(totals(pop, "stratum"), totals(pop, "sch_wide"), totals(pop, "awards"))
targets_file("strat_rake3", m)
D <- rake(d, list(~stratum, ~sch_wide, ~awards), m, control = CONTROL)
report("strat_rake3", D, c("api00", "acs_k3", "comp_imp", "both"), c("stratum", "awards"), c("comp_imp"))
m <- totals(pop, c("sch_wide", "awards"))
targets_file("strat_ps_cross", list(m))
D <- postStratify(d, ~sch_wide + awards, m)
report("strat_ps_cross", D, c("api00", "acs_k3", "comp_imp"), c("stratum", "awards"), c("comp_imp"))

# apiclus1: one-stage cluster sample of districts.
d <- svydesign(id = ~dnum, weights = ~pw, data = wc)
m <- list(totals(pop, "stype"), totals(pop, "sch_wide"))
targets_file("clus_rake2", m)
D <- rake(d, list(~stype, ~sch_wide), m, control = CONTROL)
report("clus_rake2", D, c("api00", "enroll", "comp_imp", "both"), c("stype", "awards"), c("comp_imp"))
m <- totals(pop, "stype")
targets_file("clus_ps", list(m))
D <- postStratify(d, ~stype, m)
report("clus_ps", D, c("api00", "comp_imp"), c("stype", "awards"), c("comp_imp"))

# Random: strata, clusters, a lonely stratum; shares scaled to the sum of the weights.
d <- svydesign(id = ~clu, strata = ~str, weights = ~w, data = rd, nest = TRUE)
W <- sum(rd$w)
probs <- list(r1 = c(0.4, 0.35, 0.25), r2 = c(0.25, 0.25, 0.3, 0.2), g = c(0.3, 0.3, 0.4))
m <- list(shares("r1", probs, W), shares("r2", probs, W))
targets_file("random_rake2", lapply(m, function(x) transform(x, Freq = Freq / W)))
D <- rake(d, list(~r1, ~r2), m, control = CONTROL)
report("random_rake2", D, c("y", "b"), c("g", "r1"), c("b"))
m <- list(shares("r1", probs, W), shares("r2", probs, W), shares("g", probs, W))
targets_file("random_rake3", lapply(m, function(x) transform(x, Freq = Freq / W)))
D <- rake(d, list(~r1, ~r2, ~g), m, control = CONTROL)
report("random_rake3", D, c("y", "b"), c("g", "r2"), c("b"))
m <- shares(c("r1", "r2"), probs, W)
targets_file("random_ps_cross", list(transform(m, Freq = Freq / W)))
D <- postStratify(d, ~r1 + r2, m)
report("random_ps_cross", D, c("y", "b"), c("g"), c("b"))
# Two stages: post-stratify on g, then rake on r1 and r2 (the raking's targets: shares of the total).
m1 <- shares("g", probs, W)
targets_file("random_two_ps", list(transform(m1, Freq = Freq / W)))
m2 <- list(shares("r1", probs, W), shares("r2", probs, W))
targets_file("random_two_rake", lapply(m2, function(x) transform(x, Freq = Freq / W)))
D <- rake(postStratify(d, ~g, m1), list(~r1, ~r2), m2, control = CONTROL)
report("random_two", D, c("y", "b"), c("g"), c("b"))
# Zero weights: post-stratification keeps them at zero.
d0 <- svydesign(id = ~clu, strata = ~str, weights = ~w0, data = rd, nest = TRUE)
m <- shares("r1", probs, sum(rd$w0))
targets_file("random0_ps", list(transform(m, Freq = Freq / sum(rd$w0))))
D <- postStratify(d0, ~r1, m)
report("random0_ps", D, c("y", "b"), c("g"), c("b"))
# ... and without the zero-weight rows: R's postStratify lets a zero-weight row enter the residual
# (it sets its weight to 1 there); collabstate keeps it out, so its SEs equal these.
d0 <- svydesign(id = ~clu, strata = ~str, weights = ~w0, data = rd[rd$w0 > 0, ], nest = TRUE)
D <- postStratify(d0, ~r1, m)
report("random0_ps_dropped", D, c("y", "b"), c("g"), c())
# Blank answers to r1m as a cell of their own: R rakes a variable whose blanks are a level of their
# own ("missing"); collabstate reads the target of the code `missing` (missing="own-cell").
d <- svydesign(id = ~clu, strata = ~str, weights = ~w, data = transform(rd, r1o = ifelse(is.na(r1m), "missing", r1m)), nest = TRUE)
p_own <- c(0.38, 0.33, 0.24, 0.05)
m <- list(data.frame(r1o = c("1", "2", "3", "missing"), Freq = W * p_own), shares("r2", probs, W))
targets_file("random_rake_own_cell", list(data.frame(r1m = m[[1]]$r1o, Freq = p_own), transform(m[[2]], Freq = Freq / W)))
D <- rake(d, list(~r1o, ~r2), m, control = CONTROL)
report("random_rake_own_cell", D, c("y", "b"), c("g"), c("b"))
# Blank answers left out (missing="unweighted"): R rakes a design of the respondents who answered
# r1m, to shares of their own total; the others keep their weight. Weights only.
ans <- !is.na(rd$r1m)
d_ans <- svydesign(id = ~clu, strata = ~str, weights = ~w, data = rd[ans, ], nest = TRUE)
W_ans <- sum(rd$w[ans])
m <- list(setNames(shares("r1", probs, W_ans), c("r1m", "Freq")), shares("r2", probs, W_ans))
targets_file("random_rake_unweighted", lapply(m, function(x) transform(x, Freq = Freq / W_ans)))
D <- rake(d_ans, list(~r1m, ~r2), m, control = CONTROL)
w_unweighted <- rd$w
w_unweighted[ans] <- weights(D)
weight_rows[[length(weight_rows) + 1]] <- data.frame(case = "random_rake_unweighted", row = rd$row, weight = sprintf("%.17g", w_unweighted))
options(survey.lonely.psu = "certainty")
d <- svydesign(id = ~clu, strata = ~str, weights = ~w, data = rd, nest = TRUE)
m <- list(shares("r1", probs, W), shares("r2", probs, W))
targets_file("random_rake2_certainty", lapply(m, function(x) transform(x, Freq = Freq / W)))
D <- rake(d, list(~r1, ~r2), m, control = CONTROL)
report("random_rake2_certainty", D, c("y", "b"), c("g"), c("b"))

write.csv(do.call(rbind, rows), file.path(out, "reference.csv"), row.names = FALSE)
write.csv(do.call(rbind, weight_rows), file.path(out, "weights.csv"), row.names = FALSE, quote = FALSE)
