"""The chat page: `python app.py` serves the Gradio page (rag/page.py) on http://127.0.0.1:7860; `rag serve` adds the API."""

import argparse
import os
import threading

# An offline app: Gradio must not phone home, models load from local files only.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag.errors import RagError  # noqa: E402 - after the environment above
from rag.page import build_page, serve  # noqa: E402, F401 - the page's builder, re-exported for tests and scripts
from rag.settings import Settings  # noqa: E402
from rag.web import WebApp  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 shares)")
    parser.add_argument("--port", type=int, help="port (default: 7860)")
    parser.add_argument("--index", help="index folder (default: index)")
    parser.add_argument("--docs", help="documents folder (default: seeds)")
    parser.add_argument("--model", dest="llm_model", help="qwen2.5-coder-1.5b (default), smollm2-135m or a .gguf")
    parser.add_argument("--config", help="settings file (default: ./rag.toml if present)")
    args = vars(parser.parse_args(argv))
    config = args.pop("config")
    try:
        settings = Settings.load(args, config=config)
    except RagError as exc:
        parser.exit(2, f"error: {exc}\n")
    web = WebApp(settings)
    # Load the models while the page starts; a problem shows on the page's panel, not as a crash.
    threading.Thread(target=web.warm_up, name="warm-up", daemon=True).start()
    serve(web, settings.host, settings.port or 7860)


if __name__ == "__main__":
    main()
