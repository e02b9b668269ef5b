"""The server side: the request pipeline every route shares (endpoint, rate limit, faults,
counters), the app and its uvicorn serving, and what lives in memory while it runs."""
