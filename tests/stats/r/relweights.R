# Johnson's relative weights with the JKn jackknife (JK1 without strata), for
# tests/stats/test_relweights_against_r.py: for each case_<k>.csv (stratum, cluster, weight when the
# case has them; y, x1..x4, f), the raw weights of x1..x4 and of the factor f (the sum of its two
# dummies' raw weights) and R², each with its jackknife standard error from withReplicates.
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
rw <- function(w, data) {
  X <- cbind(data$x1, data$x2, data$x3, data$x4, as.numeric(data$f == 2), as.numeric(data$f == 3))
  ok <- complete.cases(cbind(X, data$y)) & w > 0
  cw <- cov.wt(cbind(X, data$y)[ok, ], wt = w[ok] / sum(w[ok]), cor = TRUE)$cor
  p <- ncol(X)
  e <- eigen(cw[1:p, 1:p], symmetric = TRUE)
  lambda <- e$vectors %*% diag(sqrt(pmax(e$values, 0))) %*% t(e$vectors)
  beta <- solve(lambda, cw[1:p, p + 1])
  raw <- as.vector(lambda^2 %*% beta^2)
  c(raw[1:4], raw[5] + raw[6], sum(beta^2))
}
out <- list()
for (path in sort(Sys.glob(file.path(dir, "case_*.csv")))) {
  case <- sub("\\.csv$", "", basename(path))
  d <- read.csv(path)
  ids <- if ("cluster" %in% names(d)) ~cluster else ~1
  strata <- if ("stratum" %in% names(d)) ~stratum else NULL
  weights <- if ("weight" %in% names(d)) ~weight else NULL
  design <- svydesign(ids = ids, strata = strata, weights = weights, data = d, nest = TRUE)
  rep <- as.svrepdesign(design, type = if (is.null(strata)) "JK1" else "JKn")
  res <- withReplicates(rep, rw)
  out[[length(out) + 1]] <- data.frame(case = case, what = c("x1", "x2", "x3", "x4", "f", "r2"),
                                       value = as.vector(coef(res)), se = as.vector(SE(res)))
}
write.csv(do.call(rbind, out), file.path(dir, "reference.csv"), row.names = FALSE)
