# Reference numbers from R's survey package for tests/stats/test_chisq_against_r.py.
#
# Usage: Rscript chisq.R <out_dir>
# Writes the data sets (chisq_apistrat.csv, chisq_apiclus1.csv, chisq_random.csv) and
# svychisq()'s results (chisq_reference.csv: dataset, lonely, row, col, statistic, stat, value;
# 17 significant digits) for statistic = "F" (the default) and "Chisq".
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
data(api)

rows <- list()
emit <- function(dataset, lonely, row, col, statistic, stat, value) {
  rows[[length(rows) + 1]] <<- data.frame(
    dataset = dataset, lonely = lonely, row = row, col = col, statistic = statistic, stat = stat,
    value = sprintf("%.17g", as.numeric(value)), stringsAsFactors = FALSE
  )
}

yes <- function(x) ifelse(is.na(x), NA, as.integer(x == "Yes"))
prep <- function(d) {
  q <- quantile(apipop$api00, c(0.25, 0.5, 0.75))
  data.frame(
    pw = d$pw, stype = as.character(d$stype), dnum = d$dnum,
    stype_code = match(as.character(d$stype), c("E", "H", "M")),
    sch_wide = yes(d$sch.wide), awards = yes(d$awards), both = yes(d$both),
    api_q = findInterval(d$api00, q) + 1L,
    stringsAsFactors = FALSE
  )
}
apistrat2 <- prep(apistrat)
apiclus12 <- prep(apiclus1)
write.csv(apistrat2, file.path(out, "chisq_apistrat.csv"), row.names = FALSE, na = "")
write.csv(apiclus12, file.path(out, "chisq_apiclus1.csv"), row.names = FALSE, na = "")

# Random data: 6 strata, cluster ids repeated across strata (nest=TRUE), stratum s6 with a single
# cluster, zero weights, missing answers, answers mildly associated with a cluster effect.
set.seed(20240917)
n_clusters <- c(s1 = 7, s2 = 5, s3 = 6, s4 = 3, s5 = 4, s6 = 1)
parts <- list()
for (s in names(n_clusters)) {
  for (k in seq_len(n_clusters[[s]])) {
    m <- sample(6:20, 1)
    parts[[length(parts) + 1]] <- data.frame(str = s, clu = k, u = rnorm(1), m = m)[rep(1, m), ]
  }
}
rd <- do.call(rbind, parts)
n <- nrow(rd)
rd$w <- round(runif(n, 0.5, 4) * (1 + as.integer(factor(rd$str)) / 3), 3)
rd$w[sample(n, 6)] <- 0
rd$g <- sample(1:3, n, replace = TRUE, prob = c(0.45, 0.35, 0.2))
rd$x <- ifelse(runif(n) < plogis(rd$u), sample(1:4, n, replace = TRUE, prob = c(0.1, 0.3, 0.4, 0.2)),
               sample(1:4, n, replace = TRUE))
rd$x[sample(n, round(0.08 * n))] <- NA
rd$b <- rbinom(n, 1, plogis(-0.5 + 0.3 * rd$g + 0.6 * rd$u))
rd$b[sample(n, round(0.05 * n))] <- NA
rd$id <- seq_len(n)
write.csv(rd[, c("id", "str", "clu", "w", "g", "x", "b")], file.path(out, "chisq_random.csv"), row.names = FALSE, na = "")

tests <- function(name, lonely, D, pairs) {
  for (pr in pairs) {
    f <- as.formula(paste0("~", pr[1], "+", pr[2]))
    for (statistic in c("F", "Chisq")) {
      r <- suppressWarnings(svychisq(f, D, statistic = statistic))
      emit(name, lonely, pr[1], pr[2], statistic, "statistic", r$statistic)
      emit(name, lonely, pr[1], pr[2], statistic, "p", r$p.value)
      if (statistic == "F") {
        emit(name, lonely, pr[1], pr[2], statistic, "ndf", r$parameter[["ndf"]])
        emit(name, lonely, pr[1], pr[2], statistic, "ddf", r$parameter[["ddf"]])
      } else {
        emit(name, lonely, pr[1], pr[2], statistic, "ndf", r$parameter[["df"]])
      }
    }
  }
}

options(survey.lonely.psu = "adjust")
d <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat2)
tests("apistrat", "adjust", d, list(c("sch_wide", "awards"), c("stype", "awards"), c("stype", "api_q"), c("api_q", "both")))
d <- svydesign(id = ~dnum, weights = ~pw, data = apiclus12)
tests("apiclus1", "adjust", d, list(c("sch_wide", "stype_code"), c("stype_code", "api_q"), c("awards", "api_q")))
for (lonely in c("adjust", "remove", "certainty")) {
  options(survey.lonely.psu = lonely)
  d <- svydesign(id = ~clu, strata = ~str, weights = ~w, data = rd, nest = TRUE)
  tests("random", lonely, d, list(c("x", "g"), c("b", "g"), c("x", "b"), c("g", "str")))
}

# A calibrated design: the random design post-stratified on g to population totals (its zero
# weights set to 1: they are a separate question, see test_chisq_against_r.py).
options(survey.lonely.psu = "adjust")
rp <- rd
rp$w[rp$w == 0] <- 1
write.csv(rp[, c("id", "str", "clu", "w", "g", "x", "b")], file.path(out, "chisq_random_poststratified.csv"), row.names = FALSE, na = "")
d <- svydesign(id = ~clu, strata = ~str, weights = ~w, data = rp, nest = TRUE)
dps <- postStratify(d, ~g, data.frame(g = 1:3, Freq = c(600, 300, 250)))
tests("random_poststratified", "adjust", dps, list(c("x", "g"), c("b", "x"), c("b", "str")))

write.csv(do.call(rbind, rows), file.path(out, "chisq_reference.csv"), row.names = FALSE)
