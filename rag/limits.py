"""Every default and ceiling of a question's knobs and of serving, declared once.

`Settings` takes its defaults from here; the CLI, the page, the API and the core read the ceilings here. It holds
values only: it does not read the environment or check input (settings.py and each front end do).
"""

# Defaults. Each is a Settings field too, so rag.toml, RAG_* and flags override it (RAG_K, RAG_MAX_TOKENS, ...).
DEFAULT_K = 5  # passages retrieved for a question
DEFAULT_MAX_TOKENS = 160  # longest answer, in tokens
DEFAULT_SOURCE_TOKENS = 260  # source sentences shown to the model, in tokens (prompt length sets the first token)
DEFAULT_LLM = "qwen2.5-coder-1.5b"
DEFAULT_EMBED = "use-multilingual-v3"
DEFAULT_HOST = "127.0.0.1"  # this machine only
# 7860, not 8000: the OpenAI-compatible servers `--llm-url` talks to (llama-cpp-python's, vLLM) listen on 8000.
DEFAULT_PORT = 7860
DEFAULT_QUEUE_LIMIT = 8  # API requests waiting for the one local model before a 429

# Ceilings, one per use.
MAX_K_SLIDER = 10  # the page's top-k slider: past 10 an answer gets slower than a chat should be
MAX_K_ANSWER = 20  # a question the LLM answers: `ask`, `eval`, the page's chat and its /chat endpoint
MAX_K_SEARCH = 100  # `search`: no LLM, no prompt to fill
MAX_TOKENS = 2048  # longest answer anyone may ask for: the local model's whole context window
MAX_QUESTION_CHARS = 1000  # a longer question is trimmed (the core) or refused with 413 (the API)
MAX_BODY_BYTES = 256_000  # an API request body
