# Reference numbers from R's survey package for tests/stats/test_panel_against_r.py: the change
# between two waves of a stacked panel design, the respondent id as the cluster (R's domain
# contrast: svyby over the waves with covmat = TRUE, then svycontrast later minus earlier).
#
# Usage: Rscript panel.R <dir>   (reads <dir>/panel.csv, writes <dir>/reference.csv:
# case, variable, stat, value; 17 significant digits)
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
d <- read.csv(file.path(dir, "panel.csv"), stringsAsFactors = FALSE)
d$wave <- factor(d$wave, levels = c("2024", "2025"))
options(survey.lonely.psu = "adjust")
designs <- list(
  plain = svydesign(ids = ~rid, data = d),
  stratified = svydesign(ids = ~rid, strata = ~str, weights = ~w, data = d, nest = TRUE)
)
rows <- list()
for (case in names(designs)) {
  des <- designs[[case]]
  for (variable in c("agree", "score")) {
    sub <- subset(des, !is.na(des$variables[[variable]]))
    by <- svyby(as.formula(paste0("~", variable)), ~wave, sub, svymean, covmat = TRUE)
    contrast <- svycontrast(by, c(-1, 1))
    rows[[length(rows) + 1]] <- data.frame(case = case, variable = variable, stat = c("change", "se"),
                                           value = c(coef(contrast)[[1]], SE(contrast)[[1]]))
  }
}
out <- do.call(rbind, rows)
write.csv(format(out, digits = 17), file.path(dir, "reference.csv"), row.names = FALSE, quote = FALSE)
