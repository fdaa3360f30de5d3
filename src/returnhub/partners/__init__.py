"""Partners: partner countries, negotiations, agreements with dated terms, hubs and assessments."""
