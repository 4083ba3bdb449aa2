# psych::alpha and lavaan::cfa (one factor, std.lv = TRUE) on each case_<k>.csv of
# tests/stats/test_reliability_against_r.py (complete answers to items i1..ik). Writes
# reference.csv: case, what, item, value.
suppressPackageStartupMessages({library(psych); library(lavaan)})
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
out <- list()
add <- function(case, what, item, value) out[[length(out) + 1]] <<- data.frame(case = case, what = what, item = item, value = value)
for (path in sort(Sys.glob(file.path(dir, "case_*.csv")))) {
  case <- sub("\\.csv$", "", basename(path))
  d <- read.csv(path)
  a <- suppressWarnings(psych::alpha(d, check.keys = FALSE, warnings = FALSE))
  add(case, "alpha", "", a$total$raw_alpha)
  ci <- psych::alpha.ci(a$total$raw_alpha, nrow(d), ncol(d), p.val = 0.05)
  add(case, "alpha_low", "", ci$lower.ci)
  add(case, "alpha_high", "", ci$upper.ci)
  for (i in names(d)) {
    add(case, "item_rest_r", i, a$item.stats[i, "r.drop"])
    add(case, "alpha_if_dropped", i, a$alpha.drop[i, "raw_alpha"])
  }
  model <- paste("f =~", paste(names(d), collapse = " + "))
  fit <- cfa(model, data = d, std.lv = TRUE)
  est <- parameterEstimates(fit)
  lam <- est[est$op == "=~", "est"]
  theta <- est[est$op == "~~" & est$lhs == est$rhs & est$lhs != "f", "est"]
  for (j in seq_along(names(d))) {
    add(case, "loading", names(d)[j], lam[j])
    add(case, "residual", names(d)[j], theta[j])
  }
  fm <- fitMeasures(fit, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr"))
  for (m in names(fm)) add(case, m, "", unname(fm[m]))
  add(case, "omega", "", sum(lam)^2 / (sum(lam)^2 + sum(theta)))
}
write.csv(do.call(rbind, out), file.path(dir, "reference.csv"), row.names = FALSE)

# Measurement invariance: each inv_<k>.csv has items i1..ik and a group column g.
inv <- list()
for (path in sort(Sys.glob(file.path(dir, "inv_*.csv")))) {
  case <- sub("\\.csv$", "", basename(path))
  d <- read.csv(path)
  items <- setdiff(names(d), "g")
  model <- paste("f =~", paste(items, collapse = " + "))
  fits <- list(configural = cfa(model, data = d, group = "g", std.lv = TRUE),
               metric = cfa(model, data = d, group = "g", std.lv = TRUE, group.equal = "loadings"),
               scalar = cfa(model, data = d, group = "g", std.lv = TRUE, group.equal = c("loadings", "intercepts")))
  for (level in names(fits)) {
    fm <- fitMeasures(fits[[level]], c("chisq", "df", "cfi", "tli", "rmsea", "srmr"))
    inv[[length(inv) + 1]] <- data.frame(case = case, level = level, what = names(fm), value = unname(fm))
  }
}
if (length(inv)) write.csv(do.call(rbind, inv), file.path(dir, "invariance.csv"), row.names = FALSE)
