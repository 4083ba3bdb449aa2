# Reference numbers from R's survey package for tests/stats/test_against_r.py.
#
# Usage: Rscript reference.R <out_dir>
# Writes the data sets (apistrat.csv, apiclus1.csv, apiclus2.csv, random.csv) and the reference
# results (reference.csv: dataset, lonely, variable, by, group, stat, value; 17 significant digits).
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
data(api)

rows <- list()
emit <- function(dataset, lonely, variable, by, group, stat, value) {
  rows[[length(rows) + 1]] <<- data.frame(
    dataset = dataset, lonely = lonely, variable = variable, by = by, group = as.character(group),
    stat = stat, value = sprintf("%.17g", as.numeric(value)), stringsAsFactors = FALSE
  )
}

yes <- function(x) ifelse(is.na(x), NA, as.numeric(x == "Yes"))
prep <- function(d) {
  d$awards_yes <- yes(d$awards)
  d$sch_wide_yes <- yes(d$sch.wide)
  d$both_yes <- yes(d$both)
  d$stype <- as.character(d$stype)
  d
}
apistrat <- prep(apistrat)
apiclus1 <- prep(apiclus1)
apiclus2 <- prep(apiclus2)
keep <- c("cds", "stype", "dnum", "snum", "pw", "api00", "api99", "enroll", "acs.k3", "avg.ed",
          "awards_yes", "sch_wide_yes", "both_yes")
for (nm in c("apistrat", "apiclus1", "apiclus2")) {
  write.csv(get(nm)[, keep], file.path(out, paste0(nm, ".csv")), row.names = FALSE, na = "")
}

# Random data: 5 strata, cluster ids repeated across strata (nest=TRUE), stratum s5 with a single
# cluster, group "c" absent from stratum s1 and present in a single cluster of stratum s2,
# zero weights, missing answers.
set.seed(20240501)
n_clusters <- c(s1 = 6, s2 = 4, s3 = 5, s4 = 3, s5 = 1)
parts <- list()
for (s in names(n_clusters)) {
  for (k in seq_len(n_clusters[[s]])) {
    m <- sample(4:14, 1)
    parts[[length(parts) + 1]] <- data.frame(str = s, clu = k, u = rnorm(1), m = m)[rep(1, m), ]
  }
}
rd <- do.call(rbind, parts)
n <- nrow(rd)
rd$w <- round(runif(n, 0.5, 4) * (1 + as.integer(factor(rd$str)) / 2), 3)
rd$w[sample(n, 8)] <- 0
rd$g <- sample(1:3, n, replace = TRUE, prob = c(0.45, 0.35, 0.2))
rd$g[rd$str == "s1" & rd$g == 3] <- 1
rd$g[rd$str == "s2" & rd$clu != 1 & rd$g == 3] <- 2
rd$y <- round(50 + 4 * rd$g + 3 * rd$u + rnorm(n, 0, 6), 2)
rd$y[sample(n, round(0.1 * n))] <- NA
rd$x <- sample(1:4, n, replace = TRUE, prob = c(0.1, 0.3, 0.4, 0.2))
rd$x[sample(n, round(0.08 * n))] <- NA
rd$b <- rbinom(n, 1, plogis(-0.5 + 0.4 * rd$g + 0.5 * rd$u))
rd$b[sample(n, round(0.05 * n))] <- NA
for (l in 1:4) rd[[paste0("x", l)]] <- as.numeric(rd$x == l)
rd$id <- seq_len(n)
write.csv(rd[, c("id", "str", "clu", "w", "g", "y", "x", "b")], file.path(out, "random.csv"), row.names = FALSE, na = "")

means <- function(name, lonely, D, vars, bys) {
  emit(name, lonely, "", "", "", "degf", degf(D))
  for (v in vars) {
    f <- as.formula(paste0("~`", v, "`"))
    valid <- !is.na(D$variables[[v]])
    m <- svymean(f, D, na.rm = TRUE)
    Dv <- D[valid, ]
    emit(name, lonely, v, "", "", "mean", coef(m))
    emit(name, lonely, v, "", "", "se", SE(m))
    emit(name, lonely, v, "", "", "degf", degf(Dv))
    emit(name, lonely, v, "", "", "nrow", nrow(Dv))
    emit(name, lonely, v, "", "", "t_lo", coef(m) - qt(0.975, degf(Dv)) * SE(m))
    emit(name, lonely, v, "", "", "t_hi", coef(m) + qt(0.975, degf(Dv)) * SE(m))
    for (b in bys) {
      r <- svyby(f, as.formula(paste0("~", b)), D, svymean, na.rm = TRUE)
      for (i in seq_len(nrow(r))) {
        l <- r[[b]][i]
        Dg <- D[valid & D$variables[[b]] == l, ]
        emit(name, lonely, v, b, l, "mean", coef(r)[i])
        emit(name, lonely, v, b, l, "se", SE(r)[i])
        emit(name, lonely, v, b, l, "degf", degf(Dg))
        emit(name, lonely, v, b, l, "nrow", nrow(Dg))
        emit(name, lonely, v, b, l, "t_lo", coef(r)[i] - qt(0.975, degf(Dg)) * SE(r)[i])
        emit(name, lonely, v, b, l, "t_hi", coef(r)[i] + qt(0.975, degf(Dg)) * SE(r)[i])
      }
    }
  }
}

props <- function(name, lonely, D, vars, bys, levels = c(0.95)) {
  for (v in vars) {
    f <- as.formula(paste0("~`", v, "`"))
    Dv <- D[!is.na(D$variables[[v]]), ]
    for (method in c("logit", "beta")) {
      for (level in levels) {
        tag <- if (level == 0.95) method else paste0(method, round(level * 100))
        ci <- confint(svyciprop(f, Dv, method = method, level = level))
        emit(name, lonely, v, "", "", paste0(tag, "_lo"), ci[1])
        emit(name, lonely, v, "", "", paste0(tag, "_hi"), ci[2])
      }
      for (b in bys) {
        r <- svyby(f, as.formula(paste0("~", b)), Dv, svyciprop, method = method, vartype = "ci")
        for (i in seq_len(nrow(r))) {
          emit(name, lonely, v, b, r[[b]][i], paste0(method, "_lo"), r$ci_l[i])
          emit(name, lonely, v, b, r[[b]][i], paste0(method, "_hi"), r$ci_u[i])
        }
      }
    }
  }
}

options(survey.lonely.psu = "adjust")
d <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)
means("apistrat", "adjust", d, c("api00", "enroll", "acs.k3", "awards_yes", "sch_wide_yes"), c("stype", "awards_yes"))
props("apistrat", "adjust", d, c("sch_wide_yes", "both_yes"), c("stype"))
d <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1)
means("apiclus1", "adjust", d, c("api00", "enroll", "acs.k3", "avg.ed", "awards_yes"), c("stype"))
props("apiclus1", "adjust", d, c("sch_wide_yes", "awards_yes"), c("stype"))
# apiclus2 is two-stage (id=~dnum+snum); with replacement at the first stage only the districts count.
d <- svydesign(id = ~dnum, weights = ~pw, data = apiclus2)
means("apiclus2", "adjust", d, c("api00", "enroll", "acs.k3", "awards_yes"), c("stype"))
props("apiclus2", "adjust", d, c("sch_wide_yes"), c("stype"))

rd$x1 <- as.numeric(rd$x == 1)
for (lonely in c("adjust", "remove", "certainty")) {
  options(survey.lonely.psu = lonely)
  d <- svydesign(id = ~clu, strata = ~str, weights = ~w, data = rd, nest = TRUE)
  means("random", lonely, d, c("y", "b", "x1", "x2", "x3", "x4"), c("g"))
  props("random", lonely, d, c("b", "x3"), c("g"), levels = c(0.95, 0.9))
}

write.csv(do.call(rbind, rows), file.path(out, "reference.csv"), row.names = FALSE)
