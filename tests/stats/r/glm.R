# svyglm on the cases tests/stats/test_glm_against_r.py writes: for each case_<k>.csv (columns
# stratum, cluster, weight when the case has them; y, yb, x1, x2, x3), the linear model
# y ~ x1 + factor(x2) + x3 and the logistic model yb ~ the same (quasibinomial: the same fit and
# design-based variance as binomial, without the warning about non-integer weights), to a
# deviance change of 1e-12. Writes reference.csv: case, family, term, estimate, se, df, p.
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "adjust")
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
out <- list()
for (path in sort(Sys.glob(file.path(dir, "case_*.csv")))) {
  case <- sub("\\.csv$", "", basename(path))
  d <- read.csv(path)
  ids <- if ("cluster" %in% names(d)) ~cluster else ~1
  strata <- if ("stratum" %in% names(d)) ~stratum else NULL
  weights <- if ("weight" %in% names(d)) ~weight else NULL
  design <- svydesign(ids = ids, strata = strata, weights = weights, data = d, nest = TRUE)
  fits <- list(
    linear = svyglm(y ~ x1 + factor(x2) + x3, design),
    logistic = svyglm(yb ~ x1 + factor(x2) + x3, design, family = quasibinomial(),
                      control = glm.control(epsilon = 1e-12, maxit = 100))
  )
  for (family in names(fits)) {
    s <- summary(fits[[family]])$coefficients
    ci <- confint(fits[[family]])
    out[[length(out) + 1]] <- data.frame(case = case, family = family, term = rownames(s), estimate = s[, 1], se = s[, 2],
                                         df = fits[[family]]$df.residual, p = s[, 4], ci_low = ci[, 1], ci_high = ci[, 2])
  }
}
write.csv(do.call(rbind, out), file.path(dir, "reference.csv"), row.names = FALSE)
