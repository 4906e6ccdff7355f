"""What the API does, apart from HTTP: submitting, reading, downloading and chatting about jobs.

Each service takes Redis-backed stores and a job runner; none knows of Ray or FastAPI's routing,
so they run in a test with a real Redis and an in-process runner. They refuse with `ApiError`.
"""
