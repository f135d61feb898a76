"""Remote models behind an OpenAI-compatible HTTP API: declared in config, called with bounded
concurrency, rate limits, timeouts and retries, answers cached by request content, every attempt
recorded; and ``genbench serve``, which puts any registered model behind the same API."""
