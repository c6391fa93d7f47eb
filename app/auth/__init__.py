"""Who is asking: sessions, API tokens, CSRF, rate limits. Above the services, below the routes,
so the API and the HTML pages share it without importing each other."""
