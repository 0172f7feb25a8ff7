"""The floor for `benchmarks.http_bench`: a bare FastAPI app answering a constant, served by
uvicorn exactly as `augur serve` serves augur (one worker, no access log, no log config).

    python -m benchmarks.floor_app --port 8081

`GET /floor` answers a constant JSON object; `POST /floor` reads and parses the JSON body first
(as the Argo gate must), then answers the same constant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request

CONSTANT = {"phase": "Successful", "message": "", "metrics": {}}


def create_floor() -> FastAPI:
    app = FastAPI()

    @app.get("/floor")
    async def get_floor() -> dict[str, Any]:
        return CONSTANT

    @app.post("/floor")
    async def post_floor(request: Request) -> dict[str, Any]:
        await request.json()
        return CONSTANT

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main(argv: Sequence[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args(argv)
    uvicorn.run(
        create_floor(),
        host="127.0.0.1",
        port=options.port,
        log_config=None,
        access_log=False,
        workers=1,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
