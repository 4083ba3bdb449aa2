# Reference numbers from R's survey package for tests/stats/test_crosstab_against_r.py: crosstabs
# of the leaders' questions within a filter and by derived variables, each built here in R from
# the raw answers (never read from our output).
#
# Usage: Rscript crosstab.R <dir>
# Reads <dir>/cases.csv (case, strata, clusters: 0/1 whether the design has them), one
# <dir>/<case>.csv per case (the answers; multiple-choice options as domains__<option>) and
# <dir>/analyses.csv (analysis, filter: an R expression or empty, banners and rows: names
# separated by ';'). Writes <dir>/reference.csv: case, analysis, question, option, statistic, by,
# group, stat (estimate, se, n), value; 17 significant digits. The total of each analysis is
# svymean(~..., subset(design, filter), na.rm = TRUE), each banner's groups
# svyby(~..., ~banner, subset(design, filter), svymean, na.rm = TRUE).
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "adjust")
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]

cases <- read.csv(file.path(dir, "cases.csv"), stringsAsFactors = FALSE)
analyses <- read.csv(file.path(dir, "analyses.csv"), stringsAsFactors = FALSE, na.strings = character(0))

DOMAINS <- c("rd_innovation", "defence_security", "industrial_strategy", "ai_technology", "regional_growth",
             "economic_security_trade", "infrastructure", "skills", "net_zero", "public_service_reform",
             "inward_investment", "health_life_sciences")
AGREE5 <- list(codes = 1:5, nets = list(agree = 4:5, disagree = 1:2), mean = TRUE)
# The rows each question gives: its codes' shares, its NETs' shares and (scales) the mean score.
QUESTIONS <- list(
  sector = list(codes = 1:4),
  trained = list(codes = 1:2),
  confidence = list(codes = 1:4, nets = list(very_confident = 4, confident = 3:4), mean = TRUE),
  st_effective = AGREE5,
  st_network = AGREE5,
  civil_vs_private = list(codes = 1:2),
  conf2 = list(codes = 1:2),
  staff_band = list(codes = 1:4),
  any_agree = list(codes = 1:2)
)

ind <- function(x, hit) ifelse(is.na(x), NA, as.numeric(hit))

# Indicator columns of one question, named r__<question>__<option>__<statistic>: a data frame of
# (option, statistic, column), and the columns added to d.
rows_of <- function(d, q) {
  spec <- data.frame(option = character(0), statistic = character(0), column = character(0), stringsAsFactors = FALSE)
  add <- function(option, statistic, values) {
    column <- paste("r", q, option, statistic, sep = "__")
    d[[column]] <<- values
    spec[nrow(spec) + 1, ] <<- c(option, statistic, column)
  }
  if (q == "domains") {
    opts <- d[paste0("domains__", DOMAINS)]
    answered <- rowSums(!is.na(opts)) > 0  # the base: ticked or un-ticked any option
    for (o in DOMAINS) add(o, "proportion", ifelse(answered, as.numeric(d[[paste0("domains__", o)]] %in% 1), NA))
    return(list(d = d, spec = spec))
  }
  s <- QUESTIONS[[q]]
  x <- d[[q]]
  x[!(x %in% s$codes)] <- NA  # an excluded code (9) is out of every base, as unanswered
  for (code in s$codes) add(as.character(code), "proportion", ind(x, x == code))
  for (net in names(s$nets)) add(net, "net", ind(x, x %in% s$nets[[net]]))
  if (isTRUE(s$mean)) add("", "mean", x)  # scores are the codes
  list(d = d, spec = spec)
}

rows <- list()
emit <- function(case, analysis, q, option, statistic, by, group, stat, value) {
  rows[[length(rows) + 1]] <<- data.frame(
    case = case, analysis = analysis, question = q, option = option, statistic = statistic, by = by,
    group = as.character(group), stat = stat, value = sprintf("%.17g", as.numeric(value)), stringsAsFactors = FALSE
  )
}

for (k in seq_len(nrow(cases))) {
  case <- cases$case[k]
  d <- read.csv(file.path(dir, paste0(case, ".csv")), stringsAsFactors = FALSE)
  # The derived variables, as the issue defines them.
  d$civil_vs_private <- ifelse(d$sector %in% 1 & d$civil_service %in% 1, 1, ifelse(d$sector %in% 2, 2, NA))
  d$conf2 <- ifelse(d$confidence %in% c(3, 4), 1, ifelse(d$confidence %in% c(1, 2), 2, NA))
  d$staff_band <- cut(d$staff, c(5, 10, 50, 250, Inf), right = FALSE, labels = FALSE)
  d$any_agree <- ifelse(d$st_effective %in% 4:5 | d$st_network %in% 4:5, 1,
                        ifelse(!is.na(d$st_effective) | !is.na(d$st_network), 2, NA))
  specs <- list()
  for (q in c(names(QUESTIONS), "domains")) {
    made <- rows_of(d, q)
    d <- made$d
    specs[[q]] <- made$spec
  }
  design <- svydesign(
    ids = if (cases$clusters[k] == 1) ~cluster else ~1,
    strata = if (cases$strata[k] == 1) ~stratum else NULL,
    weights = ~weight, data = d, nest = TRUE
  )
  for (a in seq_len(nrow(analyses))) {
    analysis <- analyses$analysis[a]
    filter <- analyses$filter[a]
    D <- if (nzchar(filter)) eval(parse(text = paste0("subset(design, ", filter, ")"))) else design
    positive <- weights(D) > 0
    banners <- strsplit(analyses$banners[a], ";", fixed = TRUE)[[1]]
    for (q in strsplit(analyses$rows[a], ";", fixed = TRUE)[[1]]) {
      spec <- specs[[q]]
      f <- as.formula(paste("~", paste(spec$column, collapse = " + ")))
      valid <- !is.na(D$variables[[spec$column[1]]]) & positive  # one base for the question's rows
      total <- svymean(f, D, na.rm = TRUE)
      for (j in seq_len(nrow(spec))) {
        emit(case, analysis, q, spec$option[j], spec$statistic[j], "", "", "estimate", coef(total)[[spec$column[j]]])
        emit(case, analysis, q, spec$option[j], spec$statistic[j], "", "", "se", SE(total)[[spec$column[j]]])
        emit(case, analysis, q, spec$option[j], spec$statistic[j], "", "", "n", sum(valid))
      }
      for (b in banners) {
        by <- svyby(f, as.formula(paste0("~", b)), D, svymean, na.rm = TRUE)
        se_name <- function(column) if (nrow(spec) == 1) "se" else paste0("se.", column)
        for (i in seq_len(nrow(by))) {
          g <- by[[b]][i]
          n <- sum(valid & D$variables[[b]] %in% g)
          for (j in seq_len(nrow(spec))) {
            column <- spec$column[j]
            emit(case, analysis, q, spec$option[j], spec$statistic[j], b, g, "estimate", by[[column]][i])
            emit(case, analysis, q, spec$option[j], spec$statistic[j], b, g, "se", by[[se_name(column)]][i])
            emit(case, analysis, q, spec$option[j], spec$statistic[j], b, g, "n", n)
          }
        }
      }
    }
  }
}
out <- do.call(rbind, rows)
write.csv(out, file.path(dir, "reference.csv"), row.names = FALSE, quote = TRUE, na = "")
