"""FastAPI glue shared by the JSON API and the HTML pages: typed dependencies, parameters, error handlers."""
