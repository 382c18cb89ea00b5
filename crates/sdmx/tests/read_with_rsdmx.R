# Read an Evident SDMX release with the R package rsdmx and print what it read as JSON.
#
# Usage: Rscript read_with_rsdmx.R RELEASE_DIR
#
# Reads structure.xml (codelists, concepts, data structure) and data.xml
# (SDMX-ML 2.1 structure-specific data). Observation values are converted with
# as.numeric and printed as text with 17 significant digits, so the Rust test sees
# exactly the double R holds. The JSON is written by hand to need no package beyond rsdmx.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) {
  message("usage: Rscript read_with_rsdmx.R RELEASE_DIR")
  quit(status = 2)
}
if (!requireNamespace("rsdmx", quietly = TRUE)) {
  message("R package 'rsdmx' is not installed; on Debian: apt-get install r-cran-rsdmx")
  quit(status = 3)
}
suppressPackageStartupMessages(library(rsdmx))
release <- args[[1]]

json_string <- function(x) {
  if (is.na(x)) return("null")
  x <- enc2utf8(as.character(x))
  x <- gsub("\\", "\\\\", x, fixed = TRUE)
  x <- gsub("\"", "\\\"", x, fixed = TRUE)
  x <- gsub("\n", "\\n", x, fixed = TRUE)
  x <- gsub("\r", "\\r", x, fixed = TRUE)
  x <- gsub("\t", "\\t", x, fixed = TRUE)
  paste0("\"", x, "\"")
}
json_object <- function(names, values) {
  paste0("{", paste0(vapply(names, json_string, ""), ":", values, collapse = ","), "}")
}
json_array <- function(values) paste0("[", paste0(values, collapse = ","), "]")

structure <- readSDMX(file = file.path(release, "structure.xml"), isURL = FALSE)

codelists <- slot(slot(structure, "codelists"), "codelists")
codelist_json <- vapply(codelists, function(codelist) {
  codes <- vapply(slot(codelist, "Code"), function(code) {
    json_object(c("id", "name"), c(json_string(slot(code, "id")), json_string(slot(code, "name")[["en"]])))
  }, "")
  json_array(codes)
}, "")
codelist_ids <- vapply(codelists, function(codelist) slot(codelist, "id"), "")

dsd <- slot(slot(structure, "datastructures"), "datastructures")[[1]]
components <- as.data.frame(slot(dsd, "Components"))
component_json <- vapply(seq_len(nrow(components)), function(i) {
  json_object(
    c("component", "concept", "codelist"),
    c(json_string(components$component[[i]]), json_string(components$conceptRef[[i]]),
      json_string(components$codelist[[i]]))
  )
}, "")

data <- as.data.frame(readSDMX(file = file.path(release, "data.xml"), isURL = FALSE))
dimension_ids <- components$conceptRef[components$component %in% c("Dimension", "TimeDimension")]
measure_id <- components$conceptRef[components$component == "PrimaryMeasure"][[1]]
attribute_ids <- setdiff(names(data), c(dimension_ids, measure_id))
observation_json <- vapply(seq_len(nrow(data)), function(i) {
  key <- json_object(dimension_ids, vapply(dimension_ids, function(d) json_string(data[[d]][[i]]), ""))
  value <- suppressWarnings(as.numeric(data[[measure_id]][[i]]))
  value_json <- if (is.na(value)) "null" else json_string(sprintf("%.17g", value))
  present <- attribute_ids[!is.na(unlist(data[i, attribute_ids])) & unlist(data[i, attribute_ids]) != ""]
  attributes <- json_object(present, vapply(present, function(a) json_string(data[[a]][[i]]), ""))
  if (length(present) == 0) attributes <- "{}"
  json_object(c("key", "value", "attributes"), c(key, value_json, attributes))
}, "")

out <- json_object(
  c("version", "codelists", "components", "observations"),
  c(
    json_string(as.character(packageVersion("rsdmx"))),
    json_object(codelist_ids, codelist_json),
    json_array(component_json),
    json_array(observation_json)
  )
)
con <- stdout()
writeLines(enc2utf8(out), con, useBytes = TRUE)
