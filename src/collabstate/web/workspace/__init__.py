"""The analyst's workspace: organisations and their people, wave dashboards, live results,
exports, imports, erasure and retention (issue 6)."""
